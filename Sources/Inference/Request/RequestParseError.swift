/// Why the request parser refused an input; the dead-letter header names it by ``rawValue``.
public enum RequestParseError: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The input is empty or only whitespace.
    case empty
    /// The input is longer than ``RequestLimits/maxInputBytes``.
    case tooLarge
    /// The input is not valid UTF-8.
    case invalidUTF8
    /// The input starts with `{` but is not valid JSON.
    case invalidJSON
    /// The input is JSON but its top level is not an object.
    case notJSONObject
    /// The JSON ends before the object closes.
    case truncated
    /// JSON values nest deeper than ``RequestLimits/maxJSONDepth``.
    case tooDeep
    /// A field has the wrong JSON type (e.g. `"path": 3`).
    case wrongFieldType
    /// The object has neither `path` nor (dataset rows only) `query`.
    case missingPath
    /// The line is not in Combined/Common Log Format.
    case clfMalformed

    public var description: String { rawValue }
}
