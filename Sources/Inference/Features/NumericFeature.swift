/// The numeric features after the hashed part, in vector order. Each is computed over the decoded
/// path, query and body (never headers) and scaled to about [0, 1].
public enum NumericFeature: Int, CaseIterable, Sendable {
    /// `log1p(decoded path length) / 8`.
    case pathLength
    /// `log1p(decoded query + body length) / 8`.
    case parametersLength
    /// `log1p(number of &-separated parameters) / 4`.
    case parameterCount
    /// `log1p(number of / in the path) / 3`.
    case pathDepth
    /// Shannon entropy of the query and body bytes, bits / 8.
    case parametersEntropy
    /// Shannon entropy of the path bytes, bits / 8.
    case pathEntropy
    /// Share of ASCII digits.
    case digitRatio
    /// Share of upper-case letters among letters.
    case upperCaseRatio
    /// Share of bytes other than letters, digits and `/ & = . - _ + %` and space.
    case specialRatio
    /// Share of `' " < > ( ) ; \` { } | $ \` bytes (quoting and code characters).
    case codeCharacterRatio
    /// Share of spaces and tabs.
    case whitespaceRatio
    /// Rounds of percent-decoding that changed a field (max over fields) / max_decode_depth.
    case encodingDepth
    /// Share of bytes that are not printable ASCII after decoding.
    case nonPrintableRatio
    /// `log1p(longest parameter value) / 8`.
    case longestValue
    /// `log1p(occurrences of ../ or ..\) / 2`.
    case traversalCount
    /// `1 - decoded length / raw length` of path, query and body.
    case encodedShare

    /// The name used in ``FeatureConfiguration/numericFeatures``.
    public var name: String {
        switch self {
        case .pathLength: "path_length"
        case .parametersLength: "parameters_length"
        case .parameterCount: "parameter_count"
        case .pathDepth: "path_depth"
        case .parametersEntropy: "parameters_entropy"
        case .pathEntropy: "path_entropy"
        case .digitRatio: "digit_ratio"
        case .upperCaseRatio: "upper_case_ratio"
        case .specialRatio: "special_ratio"
        case .codeCharacterRatio: "code_character_ratio"
        case .whitespaceRatio: "whitespace_ratio"
        case .encodingDepth: "encoding_depth"
        case .nonPrintableRatio: "non_printable_ratio"
        case .longestValue: "longest_value"
        case .traversalCount: "traversal_count"
        case .encodedShare: "encoded_share"
        }
    }
}
