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
    /// The `id` is a number but not an integer a 64-bit reader holds exactly: a fraction
    /// (`1.5`), an exponent (`1e400`) or more than 64 bits (an id must be a string or an integer).
    case invalidID
    /// The object has neither `path` nor (dataset rows only) `query`.
    case missingPath
    /// The line is not in Combined/Common Log Format.
    case clfMalformed

    public var description: String { rawValue }
}
