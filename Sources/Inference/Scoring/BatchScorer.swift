/// Scores micro-batches of feature rows with one ``SVMModel``, on the calling thread, without
/// allocating.
///
/// Write up to ``maxBatch`` rows with ``withRow(_:_:)`` (e.g. ``FeatureExtractor/extract(_:into:)``),
/// then call ``score(count:_:)``:
///
/// - `rbf`: `G = 2γ · X · SVᵀ` (one `sgemm`), `K = exp(G − γ‖x‖² − γ‖sv‖²)` (a vectorised exp,
///   clamped at 0 from above), `f = K · dual + b` (one `sgemv`). Hashed n-gram rows are sparse
///   (a few hundred of the model's `dim` features set; `dim` is 4,112 to 65,536 for the
///   shipped extractors), so the GEMM runs over the batch's non-zero columns only:
///   `X[:, S] · SVᵀ[S, :]` with `S` the columns set in any row, gathered from a transposed copy
///   of the support vectors; when `S` covers most columns the full `X · SVᵀ` is used instead;
/// - `linear`: `f = X · w + b` (one `sgemv`).
///
/// Owned by one worker thread; call ``BLAS/useSingleThread()`` once per process.
///
/// With ``KernelProduct/automatic`` (the default) sparse batches (hashed n-gram rows) use
/// ``KernelProduct/sparse``, dense ones the full GEMM; every product computes the same sums.
/// Memory: one transposed copy of the support vectors (plus, for `.gemm`, a gather buffer of the
/// same size).
@safe public final class BatchScorer {
    public let model: SVMModel
    /// The largest batch ``score(count:_:)`` accepts.
    public let maxBatch: Int
    public let dimension: Int
    /// How `X · SVᵀ` is computed.
    public let product: KernelProduct

    private let features: UnsafeMutablePointer<Float>
    private let featureNorms: UnsafeMutablePointer<Float>
    private let kernelValues: UnsafeMutablePointer<Float>
    private let decisions: UnsafeMutablePointer<Float>
    private let dualCoefficients: UnsafeMutablePointer<Float>
    private let scaledSupportVectorNorms: UnsafeMutablePointer<Float>
    private let weights: UnsafeMutablePointer<Float>
    /// Names these weights in extractors' header memos (never reused by another scorer).
    private let headerMemoKey = HeaderDotCache.makeKey()
    private let supportVectorCount: Int
    /// `SVᵀ`, `[dimension, supportVectorCount]`, to gather the rows of the batch's columns.
    private let transposedSupportVectors: UnsafeMutablePointer<Float>
    /// The batch's non-zero columns, and a mark per column.
    private let columns: UnsafeMutablePointer<Int32>
    private let columnMarks: UnsafeMutablePointer<UInt8>
    /// The batch's non-zeros grouped by column (`.sparse`): per column a count and a start, then
    /// (row, value) entries.
    private let columnCounts: UnsafeMutablePointer<Int32>
    private let columnStarts: UnsafeMutablePointer<Int32>
    private let entryRows: UnsafeMutablePointer<Int32>
    private let entryValues: UnsafeMutablePointer<Float>
    private let entryCapacity: Int
    /// One row's non-zero columns.
    private let rowColumns: UnsafeMutablePointer<Int32>
    /// `X[:, S]` and `SVᵀ[S, :]`.
    private let compactFeatures: UnsafeMutablePointer<Float>
    private let compactSupportVectors: UnsafeMutablePointer<Float>
    /// The inner dimension of the last batch's GEMM (`.gemm`: its non-zero columns, or all
    /// columns when it fell back to the full product), or the mean non-zero features per row
    /// (`.sparse`); for benchmarks.
    public private(set) var lastColumnCount = 0

    /// Preallocates every buffer for batches of up to `maxBatch` rows.
    ///
    /// - Parameters:
    ///   - model: the model to evaluate.
    ///   - maxBatch: the largest batch ``score(count:_:)`` will be given.
    ///   - product: how `X · SVᵀ` is computed for `rbf` models (see ``KernelProduct``).
    public init(model: SVMModel, maxBatch: Int, product: KernelProduct = .automatic) {
        precondition(maxBatch > 0, "maxBatch must be positive")
        self.model = model
        self.product = product
        self.maxBatch = maxBatch
        dimension = model.dimension
        supportVectorCount = model.supportVectorCount
        unsafe features = Self.allocate(maxBatch * model.dimension)
        unsafe featureNorms = Self.allocate(maxBatch)
        unsafe kernelValues = Self.allocate(maxBatch * max(model.supportVectorCount, 1))
        unsafe decisions = Self.allocate(maxBatch)
        unsafe dualCoefficients = Self.allocate(model.dualCoefficients.count)
        unsafe scaledSupportVectorNorms = Self.allocate(model.supportVectorNorms.count)
        unsafe weights = Self.allocate(model.weights.count)
        unsafe dualCoefficients.update(from: model.dualCoefficients, count: model.dualCoefficients.count)
        for (index, norm) in model.supportVectorNorms.enumerated() {
            unsafe scaledSupportVectorNorms[index] = model.gamma * norm
        }
        unsafe weights.update(from: model.weights, count: model.weights.count)
        let compact = model.kernel == .rbf ? model.supportVectorCount : 0
        unsafe transposedSupportVectors = Self.allocate(compact * model.dimension)
        // The gathered copies exist for `.gemm` only (`.automatic` uses `.sparse` or the full GEMM).
        let gathers = product == .gemm ? compact : 0
        unsafe compactSupportVectors = Self.allocate(gathers * model.dimension)
        unsafe compactFeatures = Self.allocate(gathers > 0 ? maxBatch * model.dimension : 0)
        unsafe columns = .allocate(capacity: model.dimension)
        unsafe columnMarks = .allocate(capacity: model.dimension)
        unsafe columnMarks.initialize(repeating: 0, count: model.dimension)
        unsafe columnCounts = .allocate(capacity: model.dimension)
        unsafe columnCounts.initialize(repeating: 0, count: model.dimension)
        unsafe columnStarts = .allocate(capacity: model.dimension)
        entryCapacity = compact > 0 ? maxBatch * min(model.dimension, 1024) : 1
        unsafe entryRows = .allocate(capacity: entryCapacity)
        unsafe entryValues = .allocate(capacity: entryCapacity)
        unsafe rowColumns = .allocate(capacity: model.dimension)
        for vector in 0..<compact {
            for column in 0..<model.dimension {
                unsafe transposedSupportVectors[column * compact + vector] =
                    model.supportVectors[vector * model.dimension + column]
            }
        }
    }

    deinit {
        unsafe features.deallocate()
        unsafe featureNorms.deallocate()
        unsafe kernelValues.deallocate()
        unsafe decisions.deallocate()
        unsafe dualCoefficients.deallocate()
        unsafe scaledSupportVectorNorms.deallocate()
        unsafe weights.deallocate()
        unsafe transposedSupportVectors.deallocate()
        unsafe compactFeatures.deallocate()
        unsafe compactSupportVectors.deallocate()
        unsafe columns.deallocate()
        unsafe columnMarks.deallocate()
        unsafe columnCounts.deallocate()
        unsafe columnStarts.deallocate()
        unsafe entryRows.deallocate()
        unsafe entryValues.deallocate()
        unsafe rowColumns.deallocate()
    }

    /// The bytes a scorer for `model` and `maxBatch` allocates, from the same sizes as
    /// ``init(model:maxBatch:product:)`` (change both together): what a memory bound must count
    /// before building one. `rbf` models dominate it with `maxBatch × dim` feature floats and one
    /// transposed copy of the support vectors.
    public static func allocatedBytes(model: SVMModel, maxBatch: Int, product: KernelProduct = .automatic) -> Int {
        let dimension = model.dimension
        let compact = model.kernel == .rbf ? model.supportVectorCount : 0
        let gathers = product == .gemm ? compact : 0
        let floats = [
            maxBatch * dimension, maxBatch, maxBatch * max(model.supportVectorCount, 1), maxBatch,
            model.dualCoefficients.count, model.supportVectorNorms.count, model.weights.count,
            compact * dimension, gathers * dimension, gathers > 0 ? maxBatch * dimension : 0,
        ].reduce(0) { $0 + max($1, 1) }
        let entryCapacity = compact > 0 ? maxBatch * min(dimension, 1024) : 1
        // columns, columnCounts, columnStarts, rowColumns (Int32); columnMarks (UInt8); the entries.
        return 4 * floats + 4 * 4 * dimension + dimension + 8 * entryCapacity
    }

    /// 64-byte aligned, zeroed floats (at least one).
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        return unsafe raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// Calls `body` with the feature row `index` of the next batch (``dimension`` floats, as the
    /// last batch left them), to be filled by the caller.
    public func withRow<R, E: Error>(_ index: Int, _ body: (inout MutableSpan<Float>) throws(E) -> R) throws(E) -> R {
        precondition(index >= 0 && index < maxBatch, "row \(index) outside the batch of \(maxBatch)")
        var row = unsafe MutableSpan(_unsafeStart: features + index * dimension, count: dimension)
        return try body(&row)
    }

    /// Scores rows `0..<count` and calls `body` with their decision values.
    public func score<R, E: Error>(count: Int, _ body: (Span<Float>) throws(E) -> R) throws(E) -> R {
        scoreRows(count: count)
        return try body(unsafe Span(_unsafeStart: decisions, count: count))
    }

    /// Writes the decision values of rows `0..<count` into `decisions`.
    private func scoreRows(count: Int) {
        precondition(count >= 0 && count <= maxBatch, "batch of \(count) outside 0...\(maxBatch)")
        guard count > 0 else { return }
        switch model.kernel {
        case .linear:
            unsafe BLAS.multiplyVector(m: count, n: dimension, a: features, x: weights, y: decisions)
        case .rbf:
            let gamma = model.gamma
            for index in 0..<count {
                let row = unsafe features + index * dimension
                unsafe featureNorms[index] = gamma * BLAS.dot(row, row, count: dimension)
            }
            switch product {
            case .gemm: multiplySupportVectors(count: count, alpha: 2 * gamma)
            case .sparse: accumulateSupportVectors(count: count, alpha: 2 * gamma)
            case .automatic:
                if isSparse(count: count) {
                    accumulateSupportVectors(count: count, alpha: 2 * gamma)
                } else {
                    multiplyAllColumns(count: count, alpha: 2 * gamma)
                }
            }
            unsafe FastExp.applyKernel(
                kernelValues,
                rows: count,
                columns: supportVectorCount,
                rowOffsets: featureNorms,
                columnOffsets: scaledSupportVectorNorms
            )
            unsafe BLAS.multiplyVector(
                m: count,
                n: supportVectorCount,
                a: kernelValues,
                x: dualCoefficients,
                y: decisions
            )
        }
        let intercept = model.intercept
        for index in 0..<count { unsafe decisions[index] += intercept }
    }

    /// Scores rows `0..<count` when the caller knows each row's non-zeros, and calls `body` with
    /// their decision values: `nonZeroColumns[row]` lists the row's non-zero columns below
    /// `denseFrom`, each once (e.g. ``FeatureExtractor/withWrittenIndices(_:)``), and columns
    /// from `denseFrom` on are read as they are. A linear model then reads a few hundred weights
    /// per row instead of the whole row (16,400 floats for the default model); other kernels score
    /// as ``score(count:_:)`` does.
    public func score<R, E: Error>(
        count: Int,
        nonZeroColumns: [[Int32]],
        denseFrom: Int,
        _ body: (Span<Float>) throws(E) -> R
    ) throws(E) -> R {
        guard model.kernel == .linear else { return try score(count: count, body) }
        precondition(count >= 0 && count <= maxBatch && nonZeroColumns.count >= count, "batch of \(count) rows")
        for index in 0..<count {
            unsafe nonZeroColumns[index].withUnsafeBufferPointer { columns in
                unsafe decisions[index] = linearDecision(row: index, nonZeroColumns: columns, denseFrom: denseFrom)
            }
        }
        return try body(unsafe Span(_unsafeStart: decisions, count: count))
    }

    /// Linear models only: the decision value of row `index` from its non-zero columns below
    /// `denseFrom` (each listed once, each below ``dimension``) and every column from `denseFrom`
    /// on. A request's row can be scored as soon as it is extracted, while it is still in cache.
    public func linearDecision(row index: Int, nonZeroColumns: Span<Int32>, denseFrom: Int) -> Float {
        unsafe nonZeroColumns.withUnsafeBufferPointer { columns in
            unsafe linearDecision(row: index, nonZeroColumns: columns, denseFrom: denseFrom)
        }
    }

    private func linearDecision(row index: Int, nonZeroColumns: UnsafeBufferPointer<Int32>, denseFrom: Int) -> Float {
        precondition(model.kernel == .linear, "linearDecision needs a linear model")
        precondition(index >= 0 && index < maxBatch, "row \(index) outside the batch of \(maxBatch)")
        precondition(denseFrom >= 0 && denseFrom <= dimension, "dense tail from \(denseFrom) outside the row")
        let row = unsafe features + index * dimension
        var sum: Float = 0
        for position in 0..<nonZeroColumns.count {
            let at = Int(unsafe nonZeroColumns[position])
            // The caller's columns index the row and the weights: checked, or one could read past them.
            precondition(at >= 0 && at < dimension, "column \(at) outside the row of \(dimension)")
            unsafe sum += row[at] * weights[at]
        }
        for column in denseFrom..<dimension { unsafe sum += row[column] * weights[column] }
        return sum + model.intercept
    }

    /// Linear models only: the decision value of `request` straight from `extractor`'s block
    /// counts (``FeatureExtractor/dot(_:weights:cacheKey:)``), with no feature row written, cleared
    /// or read, and header blocks memoised per distinct header. The service's path for linear
    /// models: each request costs its n-grams, not its dimension.
    public func linearDecision(of request: ParsedRequest, extractor: FeatureExtractor) -> Float {
        precondition(model.kernel == .linear, "linearDecision needs a linear model")
        precondition(extractor.dimension == dimension, "extractor dimension \(extractor.dimension), not \(dimension)")
        return unsafe extractor.dot(request, weights: UnsafePointer(weights), cacheKey: headerMemoKey) + model.intercept
    }

    /// Linear models only: the largest terms of `request`'s decision value, named
    /// (``FeatureExtractor/explain(_:weights:limit:)``).
    public func explanation(of request: ParsedRequest, extractor: FeatureExtractor, limit: Int) -> [FeatureContribution]
    {
        precondition(model.kernel == .linear, "explanations need a linear model")
        precondition(extractor.dimension == dimension, "extractor dimension \(extractor.dimension), not \(dimension)")
        return unsafe extractor.explain(request, weights: UnsafePointer(weights), limit: limit)
    }

    /// Whether fewer than 1 in 8 of the batch's first row's features are non-zero (hashed n-gram
    /// rows have 1-7 %; dense rows go to the GEMM).
    private func isSparse(count: Int) -> Bool {
        var nonZero = 0
        for column in 0..<dimension { nonZero &+= unsafe features[column] != 0 ? 1 : 0 }
        return nonZero * 8 < dimension
    }

    /// `kernelValues[count × n_sv] = alpha · X · SVᵀ` as a sum of `SVᵀ` rows: one `saxpy` of
    /// `n_sv` floats per non-zero feature. The non-zeros are grouped by column first, so each row of
    /// `SVᵀ` is read once per batch and added into every row of the batch that has the feature.
    private func accumulateSupportVectors(count: Int, alpha: Float) {
        unsafe kernelValues.update(repeating: 0, count: count * supportVectorCount)
        // Count the non-zeros per column (branch-free, vectorisable).
        var total = 0
        for row in 0..<count {
            let source = unsafe features + row * dimension
            for column in 0..<dimension { unsafe columnCounts[column] &+= source[column] != 0 ? 1 : 0 }
        }
        var used = 0
        for column in 0..<dimension where unsafe columnCounts[column] != 0 {
            unsafe columnStarts[column] = Int32(total)
            total += Int(unsafe columnCounts[column])
            unsafe columnCounts[column] = 0
            unsafe columns[used] = Int32(column)
            used += 1
        }
        lastColumnCount = count > 0 ? total / count : 0
        guard total <= entryCapacity else {
            for index in 0..<used { unsafe columnCounts[Int(columns[index])] = 0 }
            accumulateRowByRow(count: count, alpha: alpha)
            return
        }
        // Scatter (row, value) entries into their column's slots; columnCounts becomes the cursor.
        for row in 0..<count {
            let source = unsafe features + row * dimension
            var nonZero = 0
            for column in 0..<dimension {  // branch-free compaction of the row's non-zero columns
                unsafe rowColumns[nonZero] = Int32(column)
                nonZero &+= unsafe source[column] != 0 ? 1 : 0
            }
            for index in 0..<nonZero {
                let column = Int(unsafe rowColumns[index])
                let slot = Int(unsafe columnStarts[column] + columnCounts[column])
                unsafe entryRows[slot] = Int32(row)
                unsafe entryValues[slot] = source[column]
                unsafe columnCounts[column] += 1
            }
        }
        for index in 0..<used {
            let column = Int(unsafe columns[index])
            let vector = unsafe transposedSupportVectors + column * supportVectorCount
            let start = Int(unsafe columnStarts[column])
            for slot in start..<(start + Int(unsafe columnCounts[column])) {
                unsafe BLAS.accumulate(
                    count: supportVectorCount,
                    alpha: alpha * entryValues[slot],
                    x: vector,
                    y: kernelValues + Int(entryRows[slot]) * supportVectorCount
                )
            }
            unsafe columnCounts[column] = 0
        }
    }

    /// The `.sparse` product row by row (when the batch has more non-zeros than the entry buffer).
    private func accumulateRowByRow(count: Int, alpha: Float) {
        for row in 0..<count {
            let source = unsafe features + row * dimension
            let target = unsafe kernelValues + row * supportVectorCount
            for column in 0..<dimension where unsafe source[column] != 0 {
                unsafe BLAS.accumulate(
                    count: supportVectorCount,
                    alpha: alpha * source[column],
                    x: transposedSupportVectors + column * supportVectorCount,
                    y: target
                )
            }
        }
    }

    /// `kernelValues[count × n_sv] = alpha · X · SVᵀ` over all columns: one `sgemm`.
    private func multiplyAllColumns(count: Int, alpha: Float) {
        lastColumnCount = dimension
        unsafe BLAS.multiply(
            m: count,
            n: supportVectorCount,
            k: dimension,
            alpha: alpha,
            a: features,
            b: transposedSupportVectors,
            c: kernelValues
        )
    }

    /// `kernelValues[count × n_sv] = alpha · X · SVᵀ`, over the batch's non-zero columns when they
    /// are few enough for the gather to pay.
    private func multiplySupportVectors(count: Int, alpha: Float) {
        var columnCount = 0
        for index in 0..<count {
            let row = unsafe features + index * dimension
            for column in 0..<dimension {  // branch-free, so it vectorises
                unsafe columnMarks[column] |= row[column] != 0 ? 1 : 0
            }
        }
        for column in 0..<dimension where unsafe columnMarks[column] != 0 {
            unsafe columnMarks[column] = 0
            unsafe columns[columnCount] = Int32(column)
            columnCount += 1
        }
        lastColumnCount = columnCount
        guard columnCount > 0 else {
            unsafe kernelValues.update(repeating: 0, count: count * supportVectorCount)
            return
        }
        if columnCount * 4 > dimension * 3 {
            multiplyAllColumns(count: count, alpha: alpha)
            return
        }
        for index in 0..<columnCount {
            let column = Int(unsafe columns[index])
            unsafe (compactSupportVectors + index * supportVectorCount).update(
                from: transposedSupportVectors + column * supportVectorCount,
                count: supportVectorCount
            )
        }
        for row in 0..<count {
            let source = unsafe features + row * dimension
            let target = unsafe compactFeatures + row * columnCount
            for index in 0..<columnCount { unsafe target[index] = source[Int(columns[index])] }
        }
        unsafe BLAS.multiply(
            m: count,
            n: supportVectorCount,
            k: columnCount,
            alpha: alpha,
            a: compactFeatures,
            b: compactSupportVectors,
            c: kernelValues
        )
    }

    /// Floating-point operations of the `.sparse` product for `count` rows with `nonZero` features
    /// each on average (plus norms and exp).
    public func sparseFloatingPointOperations(count: Int, nonZero: Int) -> Double {
        2 * Double(count) * Double(supportVectorCount) * Double(nonZero) + 2 * Double(count) * Double(dimension)
            + 5 * Double(count) * Double(supportVectorCount)
    }

    /// Floating-point operations of one ``score(count:_:)`` call with `count` rows (GEMM/GEMV, norms
    /// and the exp counted as one each).
    ///
    /// - Parameter columns: the GEMM's inner dimension (``lastColumnCount`` after a compacted batch).
    public func floatingPointOperations(count: Int, columns: Int? = nil) -> Double {
        switch model.kernel {
        case .linear: 2 * Double(count) * Double(dimension)
        case .rbf:
            2 * Double(count) * Double(supportVectorCount) * Double(columns ?? dimension) + 2 * Double(count)
                * Double(dimension) + 5 * Double(count) * Double(supportVectorCount)
        }
    }
}

/// How a ``BatchScorer`` computes `X · SVᵀ` for an `rbf` model.
public enum KernelProduct: Sendable {
    /// One `cblas_sgemm` per batch, over the columns non-zero in any row of the batch (gathered
    /// from `SVᵀ`), or over all columns when most are set.
    case gemm
    /// One `cblas_saxpy` of `n_sv` floats per non-zero feature: `O(nnz · n_sv)` instead of
    /// `O(rows · dim · n_sv)`, for rows with few non-zero features.
    case sparse
    /// `.sparse` when fewer than 1 in 8 features of the batch's first row are set, else one
    /// `cblas_sgemm` over all columns (no gathered copies: the scorer then holds `SVᵀ` only).
    case automatic
}
