import FoundationEssentials

/// The kernel of an ``SVMModel``.
public enum SVMKernel: String, Sendable {
    /// `K(x, sv) = exp(-gamma · ‖x − sv‖²)`.
    case rbf
    /// `f(x) = w · x + b`.
    case linear
}

/// A validated SVM decision function read from a model file (docs/MODEL_FORMAT.md).
///
/// Decision value: `rbf`: `f(x) = Σ dualCoefficients[i] · exp(-gamma · ‖x − sv_i‖²) + intercept`;
/// `linear`: `f(x) = weights · x + intercept`. Positive means attack; a request is anomalous when
/// `f(x) > threshold`. Score with a ``BatchScorer``.
public struct SVMModel: Sendable {
    public let name: String
    public let version: String
    public let kernel: SVMKernel
    /// `rbf` only (0 for `linear`).
    public let gamma: Float
    public let intercept: Float
    public let threshold: Float
    /// Length of a feature row.
    public let dimension: Int
    /// `rbf`: number of support vectors (0 for `linear`).
    public let supportVectorCount: Int
    /// Row-major `[supportVectorCount, dimension]`.
    public let supportVectors: [Float]
    /// `alpha_i · y_i`, as scikit-learn's `dual_coef_[0]`.
    public let dualCoefficients: [Float]
    /// `‖sv_i‖²`.
    public let supportVectorNorms: [Float]
    /// `linear` only: `[dimension]`.
    public let weights: [Float]
    /// Part models (extractor `http-parts-v3`): the attack categories, their intercepts and
    /// row-major `[categories.count, dimension]` one-vs-rest weights; empty otherwise.
    public let categories: [String]
    public let categoryIntercepts: [Float]
    public let categoryWeights: [Float]
    /// The header's `feature_config` object, as JSON.
    public let featureConfigurationJSON: Data
    /// The header JSON as stored.
    public let headerJSON: Data

    /// `name@version`, as predictions name the model.
    public var identifier: String { "\(name)@\(version)" }

    /// Whether the model scores requests part by part (extractor `http-parts-v3`).
    public var isPartModel: Bool { PartFeatureConfiguration.isPartConfiguration(featureConfigurationJSON) }

    /// The part feature configuration of a part model.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` when it is not one this
    ///   build implements or its dimension is not the model's.
    public func partFeatureConfiguration() throws(InferenceError) -> PartFeatureConfiguration {
        let configuration = try PartFeatureConfiguration.decode(featureConfigurationJSON)
        guard configuration.hashedDimension == dimension else {
            throw .featureMismatch(
                "feature_config hashed_dim \(configuration.hashedDimension) is not the model's \(dimension)"
            )
        }
        return configuration
    }

    /// Checks that this build computes the model's features, whichever extractor family it names.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` naming the problem.
    public func validateFeatureConfiguration() throws(InferenceError) {
        if isPartModel {
            _ = try partFeatureConfiguration()
        } else {
            _ = try featureConfiguration()
        }
    }

    /// The feature configuration the model was trained with.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` when this build's
    ///   extractor does not implement it.
    public func featureConfiguration() throws(InferenceError) -> FeatureConfiguration {
        let configuration = try FeatureConfiguration.decode(featureConfigurationJSON)
        guard configuration.dimension == dimension else {
            throw .featureMismatch("feature_config dim \(configuration.dimension) is not the model's \(dimension)")
        }
        return configuration
    }

    /// Decodes and validates the bytes of a model file.
    ///
    /// - Parameters:
    ///   - fileBytes: the whole file.
    ///   - expected: when given, the model's `feature_config` must equal it.
    ///   - maxBytes: the largest decoded payload accepted (``defaultMaxBytes``); the frame's
    ///     declared content size is checked against it, and against what the file's size can
    ///     hold, before anything is allocated.
    /// - Throws: ``InferenceError`` ``InferenceError/Code/invalidModel``,
    ///   ``InferenceError/Code/modelTooLarge`` or ``InferenceError/Code/featureMismatch``.
    public init(
        fileBytes: [UInt8],
        expecting expected: FeatureConfiguration? = nil,
        maxBytes: Int = SVMModel.defaultMaxBytes
    ) throws(InferenceError) {
        guard fileBytes.count >= 8, Array(fileBytes[0..<8]) == SVMModel.fileMagic else {
            throw .invalidModel(Self.notAModelFile(fileBytes))
        }
        let decoded = unsafe fileBytes.withUnsafeBytes { bytes in
            Result { () throws(InferenceError) -> [UInt8] in
                try unsafe LZ4Frame.decode(UnsafeRawBufferPointer(rebasing: bytes[8...]), maxContentSize: maxBytes)
            }
        }
        let payload = try decoded.get()
        self = try SVMModel(payload: payload)
        if let expected {
            let configuration = try featureConfiguration()
            guard configuration == expected else {
                throw .featureMismatch(
                    "its feature_config \(configuration.canonicalJSON()) differs from the expected \(expected.canonicalJSON())"
                )
            }
        }
    }

    init(
        name: String,
        version: String,
        kernel: SVMKernel,
        gamma: Float,
        intercept: Float,
        threshold: Float,
        dimension: Int,
        supportVectors: [Float],
        dualCoefficients: [Float],
        supportVectorNorms: [Float],
        weights: [Float],
        categories: [String] = [],
        categoryIntercepts: [Float] = [],
        categoryWeights: [Float] = [],
        featureConfigurationJSON: Data,
        headerJSON: Data
    ) {
        self.name = name
        self.version = version
        self.kernel = kernel
        self.gamma = gamma
        self.intercept = intercept
        self.threshold = threshold
        self.dimension = dimension
        self.supportVectorCount = kernel == .rbf ? dualCoefficients.count : 0
        self.supportVectors = supportVectors
        self.dualCoefficients = dualCoefficients
        self.supportVectorNorms = supportVectorNorms
        self.weights = weights
        self.categories = categories
        self.categoryIntercepts = categoryIntercepts
        self.categoryWeights = categoryWeights
        self.featureConfigurationJSON = featureConfigurationJSON
        self.headerJSON = headerJSON
    }

    /// The largest decoded payload accepted unless a caller says otherwise: 1 GiB. A model's
    /// arrays take about its payload's size in memory (the service's `max-model-memory`).
    public static let defaultMaxBytes = 1 << 30

    static let fileMagic: [UInt8] = Array("ASVMLZ4".utf8) + [0]

    /// Why `bytes` is not a model file, showing how it starts: an operator who passed a request
    /// log or a compressed copy as the model sees at once what the file is.
    static func notAModelFile(_ bytes: [UInt8]) -> String {
        let expected = "expected the magic \"ASVMLZ4\" and a zero byte"
        guard !bytes.isEmpty else { return "not a model file: it is empty (\(expected))" }
        if fileMagic.starts(with: bytes) { return "the model file is truncated: \(bytes.count) bytes of its magic" }
        let start = bytes.prefix(fileMagic.count)
        let printable = start.allSatisfy { (0x20...0x7E).contains($0) }
        let shown =
            printable
            ? "\"" + String(decoding: start, as: UTF8.self) + "\""
            : "the bytes " + start.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        return "not a model file: it starts with \(shown) (\(expected))"
    }

    static let payloadMagic: [UInt8] = Array("ASVM".utf8)
    static let formatVersion: UInt32 = 1
}
