import Inference
import Platform

extension ServiceConfiguration {
    /// Loads and validates the configured model file (magic, LZ4 frame, checksum, sizes, norms,
    /// feature configuration), failing fast with a message naming the file.
    public func loadModel() throws(ServiceError) -> SVMModel {
        do {
            let model = try SVMModel(contentsOf: model)
            try model.validateFeatureConfiguration()
            return model
        } catch {
            throw .configuration("model '\(model)' refused: \(error.reason.escapedForLog)")
        }
    }
}

/// Processors for `serve` and `demo`: one ``InferenceProcessor`` per worker on one shared model,
/// with OpenBLAS limited to one thread (the workers are the parallelism).
public func makeInferenceProcessors(
    model: SVMModel,
    maxBatch: Int,
    routes: RouteThresholds = RouteThresholds(),
    explain: Int = 0
) -> (Int) throws -> any BatchProcessor {
    BLAS.useSingleThread()
    return { _ in try InferenceProcessor(model: model, maxBatch: maxBatch, routes: routes, explain: explain) }
}
