/// The one error type of the RingBuffer module.
///
/// Ring operations never throw (a full or empty ring is a normal outcome reported by return
/// value); only thread creation and CPU pinning can fail.
public struct RingBufferError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, without the details.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case threadCreationFailed
            case cpuNotAllowed
            case affinityUnavailable
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// `pthread_create` failed (see ``RingBufferError/systemError``).
        public static let threadCreationFailed = Code(.threadCreationFailed)
        /// The requested CPU is not in the process's allowed set (`sched_getaffinity`).
        public static let cpuNotAllowed = Code(.cpuNotAllowed)
        /// `sched_getaffinity` or `pthread_setaffinity_np` could not be called.
        public static let affinityUnavailable = Code(.affinityUnavailable)

        public var description: String {
            switch value {
            case .threadCreationFailed: "thread creation failed"
            case .cpuNotAllowed: "CPU not in the allowed set"
            case .affinityUnavailable: "CPU affinity unavailable"
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

    public var description: String {
        let errno = systemError.map { " (error \($0))" } ?? ""
        return "RingBufferError.\(code): \(reason)\(errno) [\(file):\(line)]"
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
}
