import FoundationEssentials

extension SVMModel {
    /// Parses and checks a decoded payload: magic, version, CRC-32, header, array sizes, finite
    /// values and the stored support-vector norms (1e-3 relative).
    init(payload: [UInt8]) throws(InferenceError) {
        guard payload.count >= 16, Array(payload[0..<4]) == Self.payloadMagic else {
            throw .invalidModel("bad payload magic")
        }
        let stored = Self.u32(payload, at: payload.count - 4)
        guard CRC32.checksum(payload[0..<(payload.count - 4)]) == stored else { throw .invalidModel("crc32 mismatch") }
        let version = Self.u32(payload, at: 4)
        guard version == Self.formatVersion else {
            throw .invalidModel("format version \(version) is not \(Self.formatVersion)")
        }
        let headerLength = Int(Self.u32(payload, at: 8))
        guard 12 + headerLength <= payload.count - 4 else { throw .invalidModel("header runs past the payload") }
        let headerJSON = Data(payload[12..<(12 + headerLength)])
        guard let header = JSONValue.object(from: headerJSON) else {
            throw .invalidModel("header is not a JSON object")
        }
        var offset = 12 + headerLength
        let padding = (4 - offset % 4) % 4
        guard offset + padding <= payload.count - 4, payload[offset..<(offset + padding)].allSatisfy({ $0 == 0 }) else {
            throw .invalidModel("non-zero padding")
        }
        offset += padding

        guard let kernelName = header["kernel"]?.stringValue, let kernel = SVMKernel(rawValue: kernelName) else {
            throw .invalidModel("unknown kernel \(header["kernel"].map { "\($0)" } ?? "missing")")
        }
        guard let count = header["n_sv"]?.intValue,
            let dimension = header["dim"]?.intValue,
            count >= 0, dimension > 0, dimension <= 1 << 24, count <= 1 << 24, (kernel == .linear) == (count == 0)
        else {
            let declared =
                "n_sv \(header["n_sv"].map { "\($0)" } ?? "missing"), dim \(header["dim"].map { "\($0)" } ?? "missing")"
            throw .invalidModel(
                "inconsistent header: kernel \(kernelName), \(declared) (each at most 16777216, dim positive, n_sv 0 for linear only)"
            )
        }
        guard let intercept = header["intercept"]?.doubleValue,
            let threshold = header["threshold"]?.doubleValue
        else { throw .invalidModel("header lacks intercept or threshold") }
        let gamma = header["gamma"]?.doubleValue ?? 0
        guard kernel == .linear || (gamma > 0 && gamma.isFinite) else {
            throw .invalidModel("rbf model needs gamma > 0")
        }
        guard let featureConfiguration = header["feature_config"], case .object = featureConfiguration else {
            throw .invalidModel("header lacks a feature_config object")
        }
        let featureConfigurationJSON = featureConfiguration.canonicalJSON

        let categories = Self.array(header["categories"], \.stringValue) ?? []
        let categoryIntercepts = Self.array(header["category_intercepts"], \.doubleValue)?.map { Float($0) } ?? []
        guard categories.count <= 64, categoryIntercepts.count == categories.count,
            categories.isEmpty || kernel == .linear
        else {
            throw .invalidModel("categories need a linear model and one intercept each (at most 64)")
        }
        // The declared counts against the payload's actual size, before any array is allocated
        // (each factor is at most 2^24, so the products cannot overflow).
        let categoryFloats = categories.count * dimension
        let floatCount = count * dimension + 2 * count + (kernel == .linear ? dimension : 0) + categoryFloats
        guard offset + 4 * floatCount == payload.count - 4 else {
            throw .invalidModel(
                "header declares n_sv \(count), dim \(dimension) and \(categories.count) categories: \(4 * floatCount) bytes of arrays, but the payload holds \(payload.count - 4 - offset)"
            )
        }
        // Each array straight from the payload: no whole-section copy beside them.
        var cursor = offset
        func take(_ count: Int) -> [Float] {
            defer { cursor += 4 * count }
            return Self.floats(payload, at: cursor, count: count)
        }
        let supportVectors = take(count * dimension)
        let dual = take(count)
        let norms = take(count)
        let weights = kernel == .linear ? take(dimension) : []
        let categoryWeights = take(categoryFloats)
        guard [supportVectors, dual, norms, weights, categoryWeights].allSatisfy({ $0.allSatisfy(\.isFinite) }),
            intercept.isFinite, threshold.isFinite, categoryIntercepts.allSatisfy(\.isFinite)
        else {
            throw .invalidModel("non-finite value in the model")
        }
        for index in 0..<count {
            var norm = 0.0
            for value in supportVectors[(index * dimension)..<((index + 1) * dimension)] {
                norm += Double(value) * Double(value)
            }
            guard abs(norm - Double(norms[index])) <= 1e-3 * max(norm, 1e-3) else {
                throw .invalidModel("stored sv_norms disagree with the support vectors (row \(index))")
            }
        }
        self.init(
            name: header["name"]?.stringValue ?? "model",
            version: header["version"]?.stringValue ?? "0",
            kernel: kernel,
            gamma: Float(gamma),
            intercept: Float(intercept),
            threshold: Float(threshold),
            dimension: dimension,
            supportVectors: supportVectors,
            dualCoefficients: dual,
            supportVectorNorms: norms,
            weights: weights,
            categories: categories,
            categoryIntercepts: categoryIntercepts,
            categoryWeights: categoryWeights,
            featureConfigurationJSON: featureConfigurationJSON,
            headerJSON: headerJSON
        )
    }

    /// The elements of a JSON array, when it is one and each has a value of the kind `element` takes.
    private static func array<T>(_ value: JSONValue?, _ element: (JSONValue) -> T?) -> [T]? {
        guard case .array(let elements)? = value else { return nil }
        let values = elements.compactMap(element)
        return values.count == elements.count ? values : nil
    }

    private static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private static func floats(_ bytes: [UInt8], at offset: Int, count: Int) -> [Float] {
        var result = [Float](repeating: 0, count: count)
        for index in 0..<count { result[index] = Float(bitPattern: u32(bytes, at: offset + 4 * index)) }
        return result
    }
}
