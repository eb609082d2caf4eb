/// The one error type of the SchemaRegistry module: a registry that cannot be reached, refuses, or
/// answers something unusable, or a bad configuration, with the place it was raised.
///
/// ``description`` is the reason alone, a sentence for an operator (as ``code`` is for programs);
/// ``debugDescription`` adds the code, the HTTP status and registry error code when there were
/// any, and where it was raised.
public struct SchemaRegistryError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is; stable for callers to switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case unavailable
            case notFound
            case invalidResponse
            case refused
            case configuration
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// No registry answered usefully for now: connection refused, timeout, TLS failure, a 5xx,
        /// or 401/403/429. Worth retrying; records that need the schema wait.
        public static let unavailable = Code(.unavailable)
        /// The registry does not have the schema id, subject or version (404 with error code
        /// 40401, 40402 or 40403).
        public static let notFound = Code(.notFound)
        /// The registry answered something this client cannot use: not JSON, no schema text, a
        /// body over the size limit, or a schema type other than Avro.
        public static let invalidResponse = Code(.invalidResponse)
        /// The registry refused the request for good (another 4xx: 409 incompatible schema, 422
        /// invalid schema); the reason carries the registry's own message.
        public static let refused = Code(.refused)
        /// The client's configuration is unusable (a malformed URL, a missing certificate file).
        public static let configuration = Code(.configuration)

        public var description: String { String(describing: backing) }
    }

    public let code: Code
    public let reason: String
    /// The HTTP status of the answer this error comes from, when there was one.
    public let httpStatus: Int?
    /// The registry's `error_code` (40403, 42201, ...), when its answer carried one.
    public let registryErrorCode: Int?
    public let file: String
    public let line: UInt

    /// The reason, as a sentence for a person: no type names.
    public var description: String { reason }

    public var debugDescription: String {
        var text = "SchemaRegistryError.\(code): \(reason)"
        if let httpStatus {
            text += " (HTTP \(httpStatus)" + (registryErrorCode.map { ", error code \($0)" } ?? "") + ")"
        }
        return text + " [\(file):\(line)]"
    }

    package init(
        code: Code,
        reason: String,
        httpStatus: Int? = nil,
        registryErrorCode: Int? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.httpStatus = httpStatus
        self.registryErrorCode = registryErrorCode
        self.file = file
        self.line = line
    }

    static func unavailable(_ reason: String, file: String = #fileID, line: UInt = #line) -> SchemaRegistryError {
        SchemaRegistryError(code: .unavailable, reason: reason, file: file, line: line)
    }

    static func invalidResponse(_ reason: String, file: String = #fileID, line: UInt = #line) -> SchemaRegistryError {
        SchemaRegistryError(code: .invalidResponse, reason: reason, file: file, line: line)
    }

    static func configuration(_ reason: String, file: String = #fileID, line: UInt = #line) -> SchemaRegistryError {
        SchemaRegistryError(code: .configuration, reason: reason, file: file, line: line)
    }
}
