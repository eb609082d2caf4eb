/// The one error type of the Kafka module: a librdkafka failure or a bad configuration, with the
/// place it was raised.
///
/// ``description`` is the reason alone, a sentence for an operator: the command line prints it
/// after `Error: `, and logs embed it. ``debugDescription`` adds the code and where it was raised.
public struct KafkaError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is; stable for callers to switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case configuration
            case clientCreation
            case underlying
            case timedOut
            case brokerUnreachable
            case mockCluster
            case closed
            case queueFull
            case messageTooLarge
            case topicAlreadyExists
            case unsupportedByBroker
            case retriable
            case transactionAborted
            case fatal
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// A configuration property was unknown or its value invalid.
        public static let configuration = Code(.configuration)
        /// librdkafka refused to create a client handle.
        public static let clientCreation = Code(.clientCreation)
        /// librdkafka returned an error code for an operation.
        public static let underlying = Code(.underlying)
        /// An operation did not finish within its time bound.
        public static let timedOut = Code(.timedOut)
        /// No broker answered within the time bound.
        public static let brokerUnreachable = Code(.brokerUnreachable)
        /// The embedded mock cluster could not be created or changed.
        public static let mockCluster = Code(.mockCluster)
        /// The producer's local queue is full: serve delivery reports (poll) and retry.
        public static let queueFull = Code(.queueFull)
        /// The message exceeds the producer's `message.max.bytes` or the topic's
        /// `max.message.bytes`: sending it again cannot succeed.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The client was already closed.
        public static let closed = Code(.closed)
        /// A topic to be created exists already.
        public static let topicAlreadyExists = Code(.topicAlreadyExists)
        /// The cluster cannot do what was asked: its brokers lack the request (librdkafka's mock
        /// cluster has no admin requests) or name no controller to send it to.
        public static let unsupportedByBroker = Code(.unsupportedByBroker)

        /// A transactional call failed for a passing reason (a timeout, a coordinator moving):
        /// calling it again may succeed.
        public static let retriable = Code(.retriable)
        /// The current transaction cannot commit (a message failed, the group was rebalanced):
        /// abort it, then send its records again in a new one.
        public static let transactionAborted = Code(.transactionAborted)
        /// The producer can no longer be used: another producer with the same `transactional.id`
        /// fenced it, or its idempotence state is broken. Only a new producer can go on.
        public static let fatal = Code(.fatal)

        public var description: String { String(describing: backing) }
    }

    public let code: Code
    public let reason: String
    /// librdkafka's own error code when there is one (`rd_kafka_resp_err_t`), else 0.
    public let rdkafkaCode: Int32
    public let file: String
    public let line: UInt

    /// The reason, as a sentence for a person: no type names (``code`` is for programs).
    public var description: String { reason }

    public var debugDescription: String { "KafkaError.\(code): \(reason) [\(file):\(line)]" }

    package init(code: Code, reason: String, rdkafkaCode: Int32 = 0, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.rdkafkaCode = rdkafkaCode
        self.file = file
        self.line = line
    }

    static func configuration(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .configuration, reason: reason, file: file, line: line)
    }

    static func clientCreation(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .clientCreation, reason: reason, file: file, line: line)
    }

    static func timedOut(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .timedOut, reason: reason, file: file, line: line)
    }

    static func brokerUnreachable(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .brokerUnreachable, reason: reason, file: file, line: line)
    }

    static func mockCluster(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .mockCluster, reason: reason, file: file, line: line)
    }

    static func closed(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .closed, reason: reason, file: file, line: line)
    }

    static func unsupportedByBroker(_ reason: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .unsupportedByBroker, reason: reason, file: file, line: line)
    }
}
