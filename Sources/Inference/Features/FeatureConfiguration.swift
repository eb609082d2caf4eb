import FoundationEssentials

/// Everything that determines the feature vector of a request. Stored in every model file
/// (`feature_config`) and written by `anomaly-service featurize` as `feature_config.json`, so that
/// training and serving compute the same features; a model is refused when it differs.
///
/// The vector is `[hashed n-gram part (hashedDimension) | numeric part (numericFeatures.count)]`.
/// The Inference documentation catalog (`Features` article) describes every key.
public struct FeatureConfiguration: Codable, Sendable, Equatable {
    /// One hashed block: a request field and its weight after per-block L2 normalisation.
    public struct Block: Codable, Sendable, Equatable {
        /// `path`, `params` (query and body together), `query`, `body`, `user_agent` or `referer`
        /// (character n-grams), or `param_tokens` (one name and one character-class token per
        /// form parameter; extractor `http-ngram-v2`).
        public var field: String
        public var weight: Double

        public init(field: String, weight: Double) {
            self.field = field
            self.weight = weight
        }
    }

    /// The extractor implementation; changes whenever the code computes different features.
    public var extractor: String
    /// Total length of the vector: `hashedDimension + numericFeatures.count`.
    public var dimension: Int
    /// Buckets of the hashed n-gram part (a power of two).
    public var hashedDimension: Int
    public var ngramMin: Int
    public var ngramMax: Int
    /// `fnv1a32-fmix32`: FNV-1a over the n-gram bytes from a per-block basis, then MurmurHash3's
    /// 32-bit finaliser; bucket = low bits.
    public var hash: String
    /// Mixed into every block's hash basis.
    public var seed: UInt32
    public var blocks: [Block]
    /// Rounds of percent-decoding (`%XX`, `%uXXXX`) at most; `+` is a space in query and body.
    public var maxDecodeDepth: Int
    public var lowercase: Bool
    /// Every ASCII digit hashes as `0` (values such as prices or ids do not identify attacks).
    public var collapseDigits: Bool
    /// `count`, `log1p` or `binary`: the value of a bucket before normalisation.
    public var termWeighting: String
    /// `l2-per-block` (each block scaled to its weight) or `l2-per-block+l2` (then the hashed part to unit norm).
    public var normalization: String
    /// Names of the numeric features in vector order (fixed by ``extractor``).
    public var numericFeatures: [String]
    /// Factor on every numeric feature (each is scaled to about [0, 1] first).
    public var numericWeight: Double

    /// The configuration the shipped models use.
    public static let `default` = FeatureConfiguration(
        extractor: "http-ngram-v1",
        dimension: 4096 + NumericFeature.allCases.count,
        hashedDimension: 4096,
        ngramMin: 1,
        ngramMax: 3,
        hash: "fnv1a32-fmix32",
        seed: 0x5EED_4A11,
        blocks: [
            Block(field: "path", weight: 1.0),
            Block(field: "params", weight: 1.0),
            Block(field: "user_agent", weight: 0.25),
            Block(field: "referer", weight: 0.25),
        ],
        maxDecodeDepth: 3,
        lowercase: true,
        collapseDigits: true,
        termWeighting: "log1p",
        normalization: "l2-per-block",
        numericFeatures: NumericFeature.allCases.map(\.name),
        numericWeight: 0.5
    )

    public init(
        extractor: String,
        dimension: Int,
        hashedDimension: Int,
        ngramMin: Int,
        ngramMax: Int,
        hash: String,
        seed: UInt32,
        blocks: [Block],
        maxDecodeDepth: Int,
        lowercase: Bool,
        collapseDigits: Bool,
        termWeighting: String,
        normalization: String,
        numericFeatures: [String],
        numericWeight: Double
    ) {
        self.extractor = extractor
        self.dimension = dimension
        self.hashedDimension = hashedDimension
        self.ngramMin = ngramMin
        self.ngramMax = ngramMax
        self.hash = hash
        self.seed = seed
        self.blocks = blocks
        self.maxDecodeDepth = maxDecodeDepth
        self.lowercase = lowercase
        self.collapseDigits = collapseDigits
        self.termWeighting = termWeighting
        self.normalization = normalization
        self.numericFeatures = numericFeatures
        self.numericWeight = numericWeight
    }

    enum CodingKeys: String, CodingKey {
        case extractor
        case dimension = "dim"
        case hashedDimension = "hashed_dim"
        case ngramMin = "ngram_min"
        case ngramMax = "ngram_max"
        case hash, seed, blocks
        case maxDecodeDepth = "max_decode_depth"
        case lowercase
        case collapseDigits = "collapse_digits"
        case termWeighting = "term_weighting"
        case normalization
        case numericFeatures = "numeric_features"
        case numericWeight = "numeric_weight"
    }

    /// Canonical JSON: sorted keys, no whitespace. Two configurations are equal iff these bytes are.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings, integers, doubles and arrays cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes a configuration, refusing unknown or missing keys.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` when `json` is not a
    ///   configuration this extractor implements.
    public static func decode(_ json: Data) throws(InferenceError) -> FeatureConfiguration {
        let configuration: FeatureConfiguration
        do {
            configuration = try JSONDecoder().decode(FeatureConfiguration.self, from: json)
        } catch {
            throw .featureMismatch(
                "feature configuration does not decode: \(DecodingError.plainDescription(of: error))"
            )
        }
        let keys = JSONValue.object(from: json).map { Set($0.keys) } ?? []
        let known = Set(
            [
                CodingKeys.extractor, .dimension, .hashedDimension, .ngramMin, .ngramMax, .hash, .seed, .blocks,
                .maxDecodeDepth, .lowercase, .collapseDigits, .termWeighting, .normalization, .numericFeatures,
                .numericWeight,
            ].map(\.rawValue)
        )
        if let unknown = keys.subtracting(known).sorted().first {
            throw .featureMismatch("unknown feature configuration key \(unknown)")
        }
        try configuration.validate()
        return configuration
    }

    /// ``decode(_:)`` of a file's bytes.
    static func decode(bytes: [UInt8]) throws(InferenceError) -> FeatureConfiguration {
        try decode(Data(bytes))
    }

    /// Checks that the extractor implements this configuration.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` naming the first problem.
    public func validate() throws(InferenceError) {
        let fields: Set<String> = ["path", "params", "query", "body", "user_agent", "referer", "param_tokens"]
        let problem: String? =
            if !FeatureExtractor.implementations.contains(extractor) {
                "extractor \(extractor) is not one of \(FeatureExtractor.implementations.joined(separator: ", "))"
            } else if extractor == "http-ngram-v1", blocks.contains(where: { $0.field == "param_tokens" }) {
                "block param_tokens needs extractor http-ngram-v2"
            } else if hashedDimension < 16 || hashedDimension > 1 << 22 || hashedDimension & (hashedDimension - 1) != 0
            {
                "hashed_dim \(hashedDimension) is not a power of two in 16...4194304"
            } else if numericFeatures != NumericFeature.allCases.map(\.name) {
                "numeric_features differ from this extractor's"
            } else if dimension != hashedDimension + numericFeatures.count {
                "dim \(dimension) is not hashed_dim + numeric features"
            } else if ngramMin < 1 || ngramMax < ngramMin || ngramMax > 8 {
                "n-gram sizes \(ngramMin)...\(ngramMax) outside 1...8"
            } else if hash != "fnv1a32-fmix32" {
                "unknown hash \(hash)"
            } else if blocks.isEmpty || blocks.contains(where: { !fields.contains($0.field) || !$0.weight.isFinite }) {
                "blocks must name fields among \(fields.sorted()) with finite weights"
            } else if !(0...8).contains(maxDecodeDepth) {
                "max_decode_depth \(maxDecodeDepth) outside 0...8"
            } else if !["count", "log1p", "binary"].contains(termWeighting) {
                "unknown term_weighting \(termWeighting)"
            } else if !["l2-per-block", "l2-per-block+l2"].contains(normalization) {
                "unknown normalization \(normalization)"
            } else if !numericWeight.isFinite {
                "numeric_weight is not finite"
            } else {
                nil
            }
        if let problem { throw .featureMismatch(problem) }
    }
}
