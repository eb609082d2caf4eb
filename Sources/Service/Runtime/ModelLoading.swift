import Inference
import Platform

extension ServiceConfiguration {
    /// Loads and validates the configured model file (magic, LZ4 frame, checksum, sizes, norms,
    /// feature configuration) and checks that scoring with it fits in `max-model-memory`, failing
    /// fast with a message naming the file.
    ///
    /// - Parameter expected: when given, a whole-request model's `feature_config` must equal it.
    public func loadModel(expecting expected: FeatureConfiguration? = nil) throws(ServiceError) -> SVMModel {
        do {
            return try checkedModel(at: model, expecting: expected)
        } catch {
            throw .configuration("model '\(model)' refused: \(Self.describe(error).escapedForLog)")
        }
    }

    /// The shadow model (`shadow-model`), or nil without one: loaded with ``loadModel(expecting:)``'s
    /// checks, and its features built once as a worker will, so that a file this build cannot
    /// score fails the start with a message naming it. Its feature configuration and kernel may
    /// differ from the main model's.
    public func loadShadowModel() throws(ServiceError) -> SVMModel? {
        guard let shadowModel else { return nil }
        do {
            let model = try checkedModel(at: shadowModel)
            _ = try InferenceProcessor(model: model, maxBatch: 1)
            return model
        } catch {
            throw .configuration("shadow-model '\(shadowModel)' refused: \(Self.describe(error).escapedForLog)")
        }
    }

    /// The model at `path` after every check ``loadModel(expecting:)`` makes; a reload's too.
    ///
    /// Nothing big is allocated before its size is checked: the file's against `max-model-memory`
    /// (``SVMModel/init(contentsOf:expecting:maxBytes:)``), then scoring's, for this
    /// configuration's workers and `max-batch`, before any worker's buffers exist.
    func checkedModel(
        at path: String,
        expecting expected: FeatureConfiguration? = nil
    ) throws(InferenceError)
        -> SVMModel
    {
        let model = try SVMModel(contentsOf: path, expecting: expected, maxBytes: maxModelMemory)
        try model.validateFeatureConfiguration()
        try model.checkScoringMemory(
            workers: workerCount(allowed: try? CPUSet.allowed()),
            maxBatch: maxBatch,
            limit: maxModelMemory
        )
        return model
    }

    /// A model error for an operator: a size refusal names the setting that bounds it.
    static func describe(_ error: InferenceError) -> String {
        error.code == .modelTooLarge ? "\(error.reason) (max-model-memory)" : error.reason
    }
}

/// Processors for `serve` and `demo`: one ``InferenceProcessor`` per worker on one shared model,
/// with OpenBLAS limited to one thread (the workers are the parallelism).
public func makeInferenceProcessors(
    model: SVMModel,
    maxBatch: Int,
    options: ProcessorOptions = ProcessorOptions(),
    shadow: SVMModel? = nil
) -> (Int) throws -> any BatchProcessor {
    BLAS.useSingleThread()
    return { _ in try InferenceProcessor(model: model, maxBatch: maxBatch, options: options, shadow: shadow) }
}
