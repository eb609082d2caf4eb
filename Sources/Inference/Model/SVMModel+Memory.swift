import FoundationEssentials

/// What scoring with a model allocates: the model's arrays once, and per worker its scorer's and
/// extractor's buffers (``BatchScorer``, ``FeatureExtractor``, ``PartScorer``), all sized when the
/// worker starts. A model file of a few KB can ask for gigabytes here (`maxBatch × dim` feature
/// floats per worker), so the service checks this before building any worker.
public struct ScoringMemory: Sendable, Equatable, CustomStringConvertible {
    /// The model's own arrays and header, shared by every worker.
    public let modelBytes: Int
    /// One worker's buffers for micro-batches of ``maxBatch``.
    public let workerBytes: Int
    public let workers: Int
    public let maxBatch: Int

    public var totalBytes: Int { modelBytes + workers * workerBytes }

    public var description: String {
        "\(totalBytes) bytes (model \(modelBytes) + \(workers) worker\(workers == 1 ? "" : "s") × \(workerBytes) for batches of \(maxBatch))"
    }
}

extension SVMModel {
    /// The bytes scoring with this model takes on `workers` workers with micro-batches of up to
    /// `maxBatch` (both at most 2^16, so no product overflows).
    public func scoringMemory(workers: Int, maxBatch: Int, limits: RequestLimits = .default) -> ScoringMemory {
        precondition((1...(1 << 16)).contains(workers) && (1...(1 << 16)).contains(maxBatch), "workers or maxBatch")
        let arrays = supportVectors.count + dualCoefficients.count + supportVectorNorms.count + weights.count
        let modelBytes = 4 * (arrays + categoryWeights.count) + headerJSON.count + featureConfigurationJSON.count
        let workerBytes: Int
        if isPartModel {
            workerBytes = PartScorer.allocatedBytes(model: self, limits: limits)
        } else {
            // An undecodable configuration is refused before any buffer exists; bound it by `dim`.
            let configuration = try? FeatureConfiguration.decode(featureConfigurationJSON)
            workerBytes =
                BatchScorer.allocatedBytes(model: self, maxBatch: maxBatch)
                + FeatureExtractor.allocatedBytes(
                    dimension: dimension,
                    hashedDimension: min(configuration?.hashedDimension ?? dimension, dimension),
                    blockCount: configuration?.blocks.count ?? 8,
                    limits: limits
                )
        }
        return ScoringMemory(modelBytes: modelBytes, workerBytes: workerBytes, workers: workers, maxBatch: maxBatch)
    }

    /// Refuses the model when scoring with it would take more than `limit` bytes.
    ///
    /// - Returns: the memory it takes.
    /// - Throws: ``InferenceError`` ``InferenceError/Code/modelTooLarge`` with the figure and the limit.
    @discardableResult
    public func checkScoringMemory(
        workers: Int,
        maxBatch: Int,
        limit: Int,
        limits: RequestLimits = .default
    ) throws(InferenceError) -> ScoringMemory {
        let memory = scoringMemory(workers: workers, maxBatch: maxBatch, limits: limits)
        guard memory.totalBytes <= limit else {
            throw .modelTooLarge(
                "scoring with \(kernel) n_sv \(supportVectorCount), dim \(dimension) needs \(memory), over the limit of \(limit) bytes"
            )
        }
        return memory
    }
}
