import FoundationEssentials

/// Everything that determines the features of a request's parts (extractor `http-parts-v3`).
/// Stored in the model header as `feature_config` and written by `featurize` as
/// `feature_config.json`, so training and serving compute the same features.
///
/// Each part (``RequestPart``) becomes one sparse row of ``hashedDimension`` columns: the
/// character n-grams of its decoded, normalised text (L2-normalised `log1p` counts), plus tokens
/// with fixed values that are not normalised: the part's kind (a bias per kind), its length class,
/// its set of character classes, and for a parameter value the set of classes under its name.
public struct PartFeatureConfiguration: Codable, Sendable, Equatable {
    public static let extractorName = "http-parts-v3"

    public var extractor: String
    /// Columns of a part row (a power of two).
    public var hashedDimension: Int
    public var ngramMin: Int
    public var ngramMax: Int
    public var seed: UInt32
    /// Rounds of percent-decoding at most.
    public var maxDecodeDepth: Int
    public var lowercase: Bool
    /// Every ASCII digit counts as `0`.
    public var collapseDigits: Bool
    /// Every byte >= 0x80 counts as one symbol: text in any alphabet looks alike, so a model
    /// trained on Latin text does not flag a path in Greek or Japanese for its bytes.
    public var collapseNonASCII: Bool
    /// Value of the kind, length and class tokens.
    public var tokenWeight: Double
    /// Parts per request at most; the parameters beyond form one last part.
    public var maxParts: Int

    public static let `default` = PartFeatureConfiguration(
        extractor: extractorName,
        hashedDimension: 1 << 16,
        ngramMin: 1,
        ngramMax: 5,
        seed: 0x5EED_0003,
        maxDecodeDepth: 3,
        lowercase: true,
        collapseDigits: true,
        collapseNonASCII: true,
        tokenWeight: 0.5,
        maxParts: 256
    )

    public init(
        extractor: String,
        hashedDimension: Int,
        ngramMin: Int,
        ngramMax: Int,
        seed: UInt32,
        maxDecodeDepth: Int,
        lowercase: Bool,
        collapseDigits: Bool,
        collapseNonASCII: Bool,
        tokenWeight: Double,
        maxParts: Int
    ) {
        self.extractor = extractor
        self.hashedDimension = hashedDimension
        self.ngramMin = ngramMin
        self.ngramMax = ngramMax
        self.seed = seed
        self.maxDecodeDepth = maxDecodeDepth
        self.lowercase = lowercase
        self.collapseDigits = collapseDigits
        self.collapseNonASCII = collapseNonASCII
        self.tokenWeight = tokenWeight
        self.maxParts = maxParts
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case extractor
        case hashedDimension = "hashed_dim"
        case ngramMin = "ngram_min"
        case ngramMax = "ngram_max"
        case seed
        case maxDecodeDepth = "max_decode_depth"
        case lowercase
        case collapseDigits = "collapse_digits"
        case collapseNonASCII = "collapse_non_ascii"
        case tokenWeight = "token_weight"
        case maxParts = "max_parts"
    }

    /// Canonical JSON: sorted keys, no whitespace.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether `json` names this extractor (so callers pick this type over ``FeatureConfiguration``).
    public static func isPartConfiguration(_ json: Data) -> Bool {
        JSONValue.object(from: json)?["extractor"] == .string(extractorName)
    }

    /// ``isPartConfiguration(_:)`` and ``decode(_:)`` of a file's bytes.
    static func isPartConfiguration(bytes: [UInt8]) -> Bool { isPartConfiguration(Data(bytes)) }

    static func decode(bytes: [UInt8]) throws(InferenceError) -> PartFeatureConfiguration {
        try decode(Data(bytes))
    }

    /// Decodes a configuration, refusing unknown or missing keys.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` naming the problem.
    public static func decode(_ json: Data) throws(InferenceError) -> PartFeatureConfiguration {
        let configuration: PartFeatureConfiguration
        do {
            configuration = try JSONDecoder().decode(PartFeatureConfiguration.self, from: json)
        } catch {
            throw .featureMismatch(
                "part feature configuration does not decode: \(DecodingError.plainDescription(of: error))"
            )
        }
        let keys = JSONValue.object(from: json).map { Set($0.keys) } ?? []
        if let unknown = keys.subtracting(CodingKeys.allCases.map(\.rawValue)).sorted().first {
            throw .featureMismatch("unknown feature configuration key \(unknown)")
        }
        try configuration.validate()
        return configuration
    }

    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` naming the first problem.
    public func validate() throws(InferenceError) {
        let problem: String? =
            if extractor != Self.extractorName {
                "extractor \(extractor) is not \(Self.extractorName)"
            } else if hashedDimension < 16 || hashedDimension > 1 << 20 || hashedDimension & (hashedDimension - 1) != 0
            {
                "hashed_dim \(hashedDimension) is not a power of two in 16...1048576"
            } else if ngramMin < 1 || ngramMax < ngramMin || ngramMax > 8 {
                "n-gram sizes \(ngramMin)...\(ngramMax) outside 1...8"
            } else if !(0...8).contains(maxDecodeDepth) {
                "max_decode_depth \(maxDecodeDepth) outside 0...8"
            } else if !tokenWeight.isFinite || tokenWeight < 0 {
                "token_weight \(tokenWeight) is not a finite non-negative number"
            } else if !(1...4096).contains(maxParts) {
                "max_parts \(maxParts) outside 1...4096"
            } else {
                nil
            }
        if let problem { throw .featureMismatch(problem) }
    }
}
