#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one error type of the Platform module: a thread, CPU affinity or socket call the system
/// refused, with the `errno`-style code it returned.
///
/// ``description`` reads as a sentence for an operator (what failed, the call, the system's
/// reason): the command line prints it after `Error: `, and logs embed it. ``debugDescription``
/// adds the type, the `errno` value and where it was raised.
public struct PlatformError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, without the details.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case threadCreationFailed
            case cpuNotAllowed
            case affinityUnavailable
            case socket
            case file
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// `pthread_create` failed (see ``PlatformError/systemError``).
        public static let threadCreationFailed = Code(.threadCreationFailed)
        /// The requested CPU is not in the process's allowed set (`sched_getaffinity`).
        public static let cpuNotAllowed = Code(.cpuNotAllowed)
        /// `sched_getaffinity` or `pthread_setaffinity_np` could not be called.
        public static let affinityUnavailable = Code(.affinityUnavailable)
        /// A socket could not be created, bound, connected or listened on.
        public static let socket = Code(.socket)
        /// A file could not be read, created, written or closed: missing, not a regular file, too large.
        public static let file = Code(.file)

        public var description: String {
            switch value {
            case .threadCreationFailed: "thread creation failed"
            case .cpuNotAllowed: "CPU not in the allowed set"
            case .affinityUnavailable: "CPU affinity unavailable"
            case .socket: "socket call failed"
            case .file: "file access failed"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// A human-readable detail.
    public let reason: String
    /// The `errno`-style code returned by the failing call, if any.
    public let systemError: Int32?
    /// Where the error was created.
    public let file: String
    /// Where the error was created.
    public let line: UInt

    private init(code: Code, reason: String, systemError: Int32?, file: String, line: UInt) {
        self.code = code
        self.reason = reason
        self.systemError = systemError
        self.file = file
        self.line = line
    }

    /// `": <strerror text>"` for the system error, or empty.
    public var systemErrorText: String {
        guard let systemError else { return "" }
        return unsafe ": " + String(cString: strerror(systemError))
    }

    /// The reason and the system's explanation, as a sentence for a person: no type names.
    public var description: String {
        guard let systemError else { return reason }
        return unsafe "\(reason): \(String(cString: strerror(systemError)))"
    }

    public var debugDescription: String {
        let errno = systemError.map { " (error \($0))" } ?? ""
        return "PlatformError.\(code): \(reason)\(errno) [\(file):\(line)]"
    }

    static func threadCreationFailed(
        name: String,
        error: Int32,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(
            code: .threadCreationFailed,
            reason: "pthread_create for '\(name)'",
            systemError: error,
            file: file,
            line: line
        )
    }

    static func cpuNotAllowed(
        cpu: Int,
        allowed: CPUSet,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .cpuNotAllowed, reason: "CPU \(cpu) not in \(allowed)", systemError: nil, file: file, line: line)
    }

    static func affinityUnavailable(
        _ call: String,
        error: Int32?,
        file: String = #fileID,
        line: UInt = #line
    ) -> Self {
        Self(code: .affinityUnavailable, reason: call, systemError: error, file: file, line: line)
    }

    static func socket(_ reason: String, error: Int32?, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .socket, reason: reason, systemError: error, file: file, line: line)
    }

    static func file(_ reason: String, error: Int32? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .file, reason: reason, systemError: error, file: file, line: line)
    }
}
