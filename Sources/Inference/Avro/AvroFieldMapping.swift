/// Which record fields fill which request fields: per request field, record field names in
/// order of preference (dotted paths reach into nested records, `request.uri`); the first one
/// the writer schema has wins. Names are compared exactly.
///
/// The defaults cover the names producers commonly use, so most schemas need no mapping; an
/// operator maps the rest with `--avro-field path=uri` (``apply(_:)``).
public struct AvroFieldMapping: Sendable, Equatable {
    public var candidates: [AvroRequestField: [String]]

    public init(candidates: [AvroRequestField: [String]]) {
        self.candidates = candidates
    }

    /// The contract's names and their common variants.
    public static let `default` = AvroFieldMapping(candidates: [
        .id: ["id", "request_id", "requestId"],
        .timestamp: ["ts", "timestamp", "time"],
        .method: ["method", "http_method", "verb"],
        .path: ["path", "uri", "url", "request_uri", "target"],
        .query: ["query", "query_string", "querystring", "args"],
        .protocol: ["protocol", "http_version", "protocol_version"],
        .body: ["body", "request_body", "payload"],
        .headers: ["headers", "http_headers"],
        .userAgent: ["user_agent", "userAgent", "ua"],
        .referer: ["referer", "referrer"],
        .remoteAddress: ["remote_addr", "remote_address", "client_ip", "remote_ip", "ip"],
    ])

    /// Replaces the candidates of `field` with the one path `recordField`.
    public mutating func map(_ field: AvroRequestField, to recordField: String) {
        candidates[field] = [recordField]
    }

    /// Applies `assignment` in the `--avro-field` flag's form, `path=uri` (request field, then
    /// record field path).
    /// - Throws: ``InferenceError/Code/unusableSchema`` naming the problem: no `=`, an unknown
    ///   request field (the message lists the valid ones), or an empty record field.
    public mutating func apply(_ assignment: String) throws(InferenceError) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw .unusableSchema("avro-field '\(assignment)' is not REQUEST_FIELD=RECORD_FIELD (e.g. path=uri)")
        }
        let name = String(assignment[..<equals])
        let recordField = String(assignment[assignment.index(after: equals)...])
        guard let field = AvroRequestField(rawValue: name) else {
            let valid = AvroRequestField.allCases.map(\.rawValue).joined(separator: ", ")
            throw .unusableSchema("avro-field '\(assignment)': unknown request field '\(name)'; valid fields: \(valid)")
        }
        let components = recordField.split(separator: ".", omittingEmptySubsequences: false)
        guard !recordField.isEmpty, components.allSatisfy({ !$0.isEmpty }) else {
            throw .unusableSchema("avro-field '\(assignment)': the record field after '=' is empty")
        }
        map(field, to: recordField)
    }
}
