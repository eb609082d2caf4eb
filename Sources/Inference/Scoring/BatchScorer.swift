/// Scores micro-batches of feature rows with one ``SVMModel``, on the calling thread, without
/// allocating.
///
/// Write up to ``maxBatch`` rows with ``row(_:)`` (e.g. ``FeatureExtractor/extract(_:into:)``),
/// then call ``score(count:)``:
///
/// - `rbf`: `G = 2γ · X · SVᵀ` (one `sgemm`), `K = exp(G − γ‖x‖² − γ‖sv‖²)` (a vectorised exp,
///   clamped at 0 from above), `f = K · dual + b` (one `sgemv`);
/// - `linear`: `f = X · w + b` (one `sgemv`).
///
/// Owned by one worker thread; call ``BLAS/useSingleThread()`` once per process.
@safe public final class BatchScorer {
    public let model: SVMModel
    /// The largest batch ``score(count:)`` accepts.
    public let maxBatch: Int
    public let dimension: Int

    private let features: UnsafeMutablePointer<Float>
    private let featureNorms: UnsafeMutablePointer<Float>
    private let kernelValues: UnsafeMutablePointer<Float>
    private let decisions: UnsafeMutablePointer<Float>
    private let supportVectors: UnsafeMutablePointer<Float>
    private let dualCoefficients: UnsafeMutablePointer<Float>
    private let scaledSupportVectorNorms: UnsafeMutablePointer<Float>
    private let weights: UnsafeMutablePointer<Float>
    private let supportVectorCount: Int

    /// Preallocates every buffer for batches of up to `maxBatch` rows.
    public init(model: SVMModel, maxBatch: Int) {
        precondition(maxBatch > 0, "maxBatch must be positive")
        self.model = model
        self.maxBatch = maxBatch
        dimension = model.dimension
        supportVectorCount = model.supportVectorCount
        unsafe features = Self.allocate(maxBatch * model.dimension)
        unsafe featureNorms = Self.allocate(maxBatch)
        unsafe kernelValues = Self.allocate(maxBatch * max(model.supportVectorCount, 1))
        unsafe decisions = Self.allocate(maxBatch)
        unsafe supportVectors = Self.allocate(model.supportVectors.count)
        unsafe dualCoefficients = Self.allocate(model.dualCoefficients.count)
        unsafe scaledSupportVectorNorms = Self.allocate(model.supportVectorNorms.count)
        unsafe weights = Self.allocate(model.weights.count)
        unsafe supportVectors.update(from: model.supportVectors, count: model.supportVectors.count)
        unsafe dualCoefficients.update(from: model.dualCoefficients, count: model.dualCoefficients.count)
        for (index, norm) in model.supportVectorNorms.enumerated() {
            unsafe scaledSupportVectorNorms[index] = model.gamma * norm
        }
        unsafe weights.update(from: model.weights, count: model.weights.count)
    }

    deinit {
        for unsafe buffer in unsafe [
            features, featureNorms, kernelValues, decisions, supportVectors, dualCoefficients,
            scaledSupportVectorNorms, weights,
        ] {
            unsafe buffer.deallocate()
        }
    }

    /// 64-byte aligned, zeroed floats (at least one).
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        return unsafe raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// The feature row `index` of the next batch, to be filled by the caller.
    public func row(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < maxBatch, "row \(index) outside the batch of \(maxBatch)")
        return unsafe UnsafeMutableBufferPointer(start: features + index * dimension, count: dimension)
    }

    /// Decision values of rows `0..<count`; valid until the next call.
    public func score(count: Int) -> UnsafeBufferPointer<Float> {
        precondition(count >= 0 && count <= maxBatch, "batch of \(count) outside 0...\(maxBatch)")
        guard count > 0 else { return unsafe UnsafeBufferPointer(start: decisions, count: 0) }
        switch model.kernel {
        case .linear:
            unsafe BLAS.multiplyVector(m: count, n: dimension, a: features, x: weights, y: decisions)
        case .rbf:
            let gamma = model.gamma
            for index in 0..<count {
                let row = unsafe features + index * dimension
                unsafe featureNorms[index] = gamma * BLAS.dot(row, row, count: dimension)
            }
            unsafe BLAS.multiplyTransposed(
                m: count, n: supportVectorCount, k: dimension, alpha: 2 * gamma, a: features, b: supportVectors,
                beta: 0, c: kernelValues)
            unsafe FastExp.applyKernel(
                kernelValues, rows: count, columns: supportVectorCount, rowOffsets: featureNorms,
                columnOffsets: scaledSupportVectorNorms)
            unsafe BLAS.multiplyVector(
                m: count, n: supportVectorCount, a: kernelValues, x: dualCoefficients, y: decisions)
        }
        let intercept = model.intercept
        for index in 0..<count { unsafe decisions[index] += intercept }
        return unsafe UnsafeBufferPointer(start: decisions, count: count)
    }

    /// Floating-point operations of one ``score(count:)`` call with `count` rows (GEMM/GEMV, norms
    /// and the exp counted as one each).
    public func floatingPointOperations(count: Int) -> Double {
        switch model.kernel {
        case .linear: 2 * Double(count) * Double(dimension)
        case .rbf:
            2 * Double(count) * Double(supportVectorCount) * Double(dimension) + 2 * Double(count) * Double(dimension)
                + 5 * Double(count) * Double(supportVectorCount)
        }
    }
}
