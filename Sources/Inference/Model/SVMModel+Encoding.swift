import FoundationEssentials

extension SVMModel {
    /// A model from its parts (for tests, benchmarks and tools; the trainer writes real models);
    /// the support-vector norms are computed.
    ///
    /// - Parameters:
    ///   - supportVectors: row-major `[dualCoefficients.count, dimension]` for `rbf`; empty for `linear`.
    ///   - weights: `[dimension]` for `linear`; empty for `rbf`.
    ///   - featureConfiguration: stored as the header's `feature_config`.
    public init(
        name: String,
        version: String,
        kernel: SVMKernel,
        gamma: Float = 0,
        intercept: Float,
        threshold: Float = 0,
        dimension: Int,
        supportVectors: [Float] = [],
        dualCoefficients: [Float] = [],
        weights: [Float] = [],
        featureConfiguration: FeatureConfiguration
    ) {
        let count = kernel == .rbf ? dualCoefficients.count : 0
        precondition(kernel == .linear || supportVectors.count == count * dimension, "support vectors disagree")
        precondition(kernel == .rbf || weights.count == dimension, "weights disagree")
        let norms = (0..<count).map { row in
            Float(
                supportVectors[(row * dimension)..<((row + 1) * dimension)].reduce(0.0) { $0 + Double($1) * Double($1) }
            )
        }
        self.init(
            name: name,
            version: version,
            kernel: kernel,
            gamma: gamma,
            intercept: intercept,
            threshold: threshold,
            dimension: dimension,
            supportVectors: supportVectors,
            dualCoefficients: kernel == .rbf ? dualCoefficients : [],
            supportVectorNorms: norms,
            weights: weights,
            featureConfigurationJSON: Data(featureConfiguration.canonicalJSON().utf8),
            headerJSON: Data()
        )
    }

    /// A linear part model (extractor `http-parts-v3`) from its parts, for tests, benchmarks and
    /// tools.
    ///
    /// - Parameters:
    ///   - weights: `[configuration.hashedDimension]`.
    ///   - categoryWeights: row-major `[categories.count, configuration.hashedDimension]`.
    public init(
        name: String,
        version: String,
        intercept: Float,
        threshold: Float = 0,
        weights: [Float],
        categories: [String] = [],
        categoryIntercepts: [Float] = [],
        categoryWeights: [Float] = [],
        partConfiguration: PartFeatureConfiguration
    ) {
        let dimension = partConfiguration.hashedDimension
        precondition(weights.count == dimension, "weights disagree")
        precondition(categoryWeights.count == categories.count * dimension, "category weights disagree")
        precondition(categoryIntercepts.count == categories.count, "category intercepts disagree")
        self.init(
            name: name,
            version: version,
            kernel: .linear,
            gamma: 0,
            intercept: intercept,
            threshold: threshold,
            dimension: dimension,
            supportVectors: [],
            dualCoefficients: [],
            supportVectorNorms: [],
            weights: weights,
            categories: categories,
            categoryIntercepts: categoryIntercepts,
            categoryWeights: categoryWeights,
            featureConfigurationJSON: Data(partConfiguration.canonicalJSON().utf8),
            headerJSON: Data()
        )
    }

    /// The uncompressed payload (docs/MODEL_FORMAT.md), CRC-32 included.
    public func encodedPayload() -> [UInt8] {
        let featureConfiguration = String(decoding: featureConfigurationJSON, as: UTF8.self)
        var header = "{\"name\":\(JSONText.quoted(name)),\"version\":\(JSONText.quoted(version)),"
        header += "\"kernel\":\"\(kernel.rawValue)\","
        if kernel == .rbf { header += "\"gamma\":\(Double(gamma))," }
        header += "\"intercept\":\(Double(intercept)),\"threshold\":\(Double(threshold)),"
        header += "\"n_sv\":\(supportVectorCount),\"dim\":\(dimension),\"feature_config\":\(featureConfiguration),"
        if !categories.isEmpty {
            header += "\"categories\":[\(categories.map(JSONText.quoted).joined(separator: ","))],"
            header += "\"category_intercepts\":[\(categoryIntercepts.map { "\(Double($0))" }.joined(separator: ","))],"
        }
        header += "\"trained_at\":\"\",\"training\":{}}"
        var payload = Self.payloadMagic
        Self.append(Self.formatVersion, to: &payload)
        Self.append(UInt32(header.utf8.count), to: &payload)
        payload += Array(header.utf8)
        while payload.count % 4 != 0 { payload.append(0) }
        for value in supportVectors + dualCoefficients + supportVectorNorms + weights + categoryWeights {
            Self.append(value.bitPattern, to: &payload)
        }
        Self.append(CRC32.checksum(payload[...]), to: &payload)
        return payload
    }

    /// The bytes of a model file: magic and one LZ4 frame of ``encodedPayload()``.
    public func encodedFile() -> [UInt8] {
        Self.fileMagic + LZ4Frame.encode(encodedPayload())
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}
