/// The request fields an Avro record's fields can fill: the JSON input contract's members, by
/// the names the `--avro-field` flag uses.
public enum AvroRequestField: String, CaseIterable, Sendable {
    case id, timestamp, method, path, query, `protocol`, body, headers
    case userAgent = "user_agent"
    case referer
    case remoteAddress = "remote_addr"

    /// The ``ParsedRequest`` field a text value goes to; nil for `timestamp` and `headers`.
    var requestField: RequestField? {
        switch self {
        case .id: .id
        case .method: .method
        case .path: .path
        case .query: .query
        case .protocol: .protocolVersion
        case .body: .body
        case .userAgent: .userAgent
        case .referer: .referer
        case .remoteAddress: .remoteAddress
        case .timestamp, .headers: nil
        }
    }
}
