/// The text fields of a request that the parser keeps (everything else in the input is ignored).
public enum RequestField: Int, CaseIterable, Sendable {
    case id
    case method
    case path
    case query
    case body
    case userAgent
    case referer
    case protocolVersion
    case remoteAddress
    /// Offline dataset rows only: which data set the row comes from.
    case source
    /// Offline dataset rows only: `train`, `test`, ...
    case split
    /// Offline dataset rows only: `sqli`, `xss`, ...
    case attackType
}

/// Caps that make parsing bounded in time and memory whatever the input.
public struct RequestLimits: Sendable, Equatable {
    /// Inputs longer than this are refused with ``RequestParseError/tooLarge``.
    public var maxInputBytes: Int
    /// JSON nesting deeper than this is refused with ``RequestParseError/tooDeep``.
    public var maxJSONDepth: Int
    /// Bytes kept per field; longer values are cut to this prefix (and marked truncated).
    public var fieldCapacity: [RequestField: Int]

    /// 4 MiB per input, depth 32, and per-field prefixes of 256 B (id) to 16 KiB (query, body).
    public static let `default` = RequestLimits(
        maxInputBytes: 4 << 20,
        maxJSONDepth: 32,
        fieldCapacity: [
            .id: 256, .method: 32, .path: 8192, .query: 16384, .body: 16384, .userAgent: 1024,
            .referer: 2048, .protocolVersion: 32, .remoteAddress: 128, .source: 64, .split: 32,
            .attackType: 64,
        ]
    )

    /// The capacity of `field` (0 when the dictionary lacks it).
    public func capacity(of field: RequestField) -> Int { fieldCapacity[field] ?? 0 }
}
