/// The one error type of the Service module.
///
/// ``description`` is the reason alone, a sentence naming the setting, file or flag at fault: the
/// command line prints it after `Error: `. ``debugDescription`` adds the code and where it was raised.
public struct ServiceError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is; stable for callers to switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case configuration
            case startup
            case shutdown
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// A flag, configuration file or environment variable is invalid; the message names it.
        public static let configuration = Code(.configuration)
        /// The pipeline could not start (broker unreachable, model refused, threads).
        public static let startup = Code(.startup)
        /// Shutdown did not finish within its bound.
        public static let shutdown = Code(.shutdown)

        public var description: String { String(describing: backing) }
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: UInt

    /// The reason, as a sentence for a person: no type names (``code`` is for programs).
    public var description: String { reason }

    public var debugDescription: String { "ServiceError.\(code): \(reason) [\(file):\(line)]" }

    init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    package static func configuration(_ reason: String, file: String = #fileID, line: UInt = #line) -> ServiceError {
        ServiceError(code: .configuration, reason: reason, file: file, line: line)
    }

    package static func startup(_ reason: String, file: String = #fileID, line: UInt = #line) -> ServiceError {
        ServiceError(code: .startup, reason: reason, file: file, line: line)
    }

    static func shutdown(_ reason: String, file: String = #fileID, line: UInt = #line) -> ServiceError {
        ServiceError(code: .shutdown, reason: reason, file: file, line: line)
    }
}
