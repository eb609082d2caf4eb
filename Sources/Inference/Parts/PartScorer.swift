/// What a part model says of one request: the largest part score, the part that gave it, and
/// (when asked) the attack category of that part.
public struct PartVerdict: Sendable, Equatable {
    /// `max` over the request's parts of `w · x_part + b`; positive means attack.
    public var score: Float
    /// The part that gave ``score``.
    public var part: RequestPart
}

/// Scores requests with a part model (extractor `http-parts-v3`): each part's row is multiplied
/// into the weights straight from its sparse features (about 5 non-zeros per byte of the part),
/// and the request's score is the largest part score. The deciding part's row is kept, so its
/// category (one-vs-rest linear scores, largest wins) and its explanation cost nothing unless
/// asked for, which the service does only for anomalous requests.
///
/// A linear model's sparse dot products need no BLAS: a dense GEMM over 65,536-column rows would
/// read 256 KB per part for ~1,000 non-zeros. Owned by one worker thread; allocation-free after
/// `init`.
@safe public final class PartScorer {
    public let model: SVMModel
    public let extractor: PartExtractor
    let weights: UnsafeMutablePointer<Float>
    /// Column-major `[dimension][categories]` (the model stores rows per category): a feature's
    /// weights for every category share a cache line, so ``category()`` misses once per feature
    /// instead of once per feature and category (six 256 KiB rows do not stay in cache).
    let categoryWeights: UnsafeMutablePointer<Float>
    let categoryCount: Int
    let dimension: Int
    /// The deciding part of the last request: its features and text.
    let bestIndices: UnsafeMutablePointer<Int32>
    let bestValues: UnsafeMutablePointer<Float>
    let bestText: UnsafeMutablePointer<UInt8>
    var bestCount = 0
    var bestKind = RequestPart.path
    /// The header whose memoised score decided the last request (its features were not kept).
    var recount: RequestField?
    var lastRequest: ParsedRequest?
    var contentParts = 0
    /// Largest part score per distinct user agent (block 0) and referer (block 1).
    let headerMemo = HeaderDotCache(blockCount: 2)
    var bestTextCount = 0

    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` when `model` is not a
    ///   part model this build implements.
    public init(model: SVMModel, limits: RequestLimits = .default) throws(InferenceError) {
        guard model.kernel == .linear, model.isPartModel else {
            throw .featureMismatch("model \(model.identifier) is not a linear part model")
        }
        self.model = model
        extractor = try PartExtractor(configuration: model.partFeatureConfiguration(), limits: limits)
        dimension = model.dimension
        unsafe weights = .allocate(capacity: dimension)
        unsafe weights.initialize(from: model.weights, count: dimension)
        categoryCount = model.categories.count
        unsafe categoryWeights = .allocate(capacity: max(model.categoryWeights.count, 1))
        for category in 0..<categoryCount {
            for column in 0..<dimension {
                unsafe (categoryWeights + column * categoryCount + category).initialize(
                    to: model.categoryWeights[category * dimension + column]
                )
            }
        }
        unsafe bestIndices = .allocate(capacity: dimension + PartExtractor.maxTokens)
        unsafe bestValues = .allocate(capacity: dimension + PartExtractor.maxTokens)
        unsafe bestText = .allocate(capacity: extractor.scratchCapacity + 1)
        headerMemo.use(key: HeaderDotCache.makeKey())
    }

    /// The bytes a scorer for `model` allocates with its extractor, from the same sizes as
    /// ``init(model:limits:)`` (change both together).
    static func allocatedBytes(model: SVMModel, limits: RequestLimits) -> Int {
        let dimension = model.dimension
        let scratch = [RequestField.path, .query, .body, .userAgent, .referer].map(limits.capacity(of:)).max()!
        // weights, category weights; the deciding part's indices, values and text; the header memo.
        return 4 * dimension + 4 * max(model.categoryWeights.count, 1) + 8 * (dimension + PartExtractor.maxTokens)
            + scratch + 1 + HeaderDotCache.allocatedBytes(blockCount: 2)
            + PartExtractor.allocatedBytes(dimension: dimension, limits: limits)
    }

    deinit {
        unsafe weights.deallocate()
        unsafe categoryWeights.deallocate()
        unsafe bestIndices.deallocate()
        unsafe bestValues.deallocate()
        unsafe bestText.deallocate()
    }

    /// The request's score and deciding part. Does not allocate.
    ///
    /// The user agent's and the referer's parts depend on their bytes alone, and real traffic
    /// repeats a few hundred of each (in a typical request they are most of the bytes): their
    /// largest part score is memoised per distinct header (``HeaderDotCache``, exact: the bytes
    /// are compared in full). When a memoised header decides, its features are counted again only
    /// if ``category()`` or ``explanation(limit:)`` asks.
    public func score(_ request: ParsedRequest) -> PartVerdict {
        var best = PartVerdict(score: -.infinity, part: .path)
        recount = nil
        lastRequest = request
        let intercept = model.intercept
        func consider(_ kind: RequestPart, _ features: PartFeatures._UnsafeHandle) -> Float {
            let score = unsafe dot(features) + intercept
            if score > best.score || best.score == -.infinity {
                best = PartVerdict(score: score, part: kind)
                bestKind = kind
                recount = nil
                unsafe keep(features)
            }
            return score
        }
        var parts = unsafe extractor.forEachContentPart(of: request) { kind, features in
            _ = unsafe consider(kind, features)
        }
        contentParts = parts
        for (block, field) in [(0, RequestField.userAgent), (1, .referer)] where request.count(of: field) > 0 {
            // Past half the part budget a header's parts could depend on what came before it.
            let slot =
                parts < extractor.configuration.maxParts / 2
                ? unsafe request.withUnsafeBytes(of: field) { header in
                    unsafe headerMemo.slot(block: block, header: header)
                }
                : nil
            let hit = slot.flatMap { slot in
                unsafe request.withUnsafeBytes(of: field) { header in unsafe headerMemo.value(in: slot, header: header)
                }
            }
            if let slot, let hit {
                if hit > best.score {
                    best = PartVerdict(score: hit, part: field == .userAgent ? .userAgent : .referer)
                    bestKind = best.part
                    recount = field
                }
                // Parts are counted for the budget whether or not they were memoised.
                parts += headerMemo.partCount(in: slot)
                continue
            }
            var headerBest = -Float.infinity
            let count = unsafe extractor.forEachHeaderPart(field, of: request, partsBefore: parts) { kind, features in
                headerBest = max(headerBest, unsafe consider(kind, features))
            }
            if let slot, count > 0 {
                unsafe request.withUnsafeBytes(of: field) { header in
                    unsafe headerMemo.store(headerBest, partCount: count, in: slot, header: header)
                }
            }
            parts += count
        }
        if parts == 0 {
            unsafe extractor.forEachPartHandle(of: request) { kind, features in _ = unsafe consider(kind, features) }
        }
        return best
    }

    /// When the deciding part came from the header memo: counts that header's parts again, so the
    /// deciding part's features are at hand for its category and explanation.
    private func restoreBest() {
        guard let field = recount, let request = lastRequest else { return }
        recount = nil
        var best = -Float.infinity
        unsafe extractor.forEachHeaderPart(field, of: request, partsBefore: contentParts) { kind, features in
            let sum = unsafe dot(features)
            if sum > best {
                best = sum
                bestKind = kind
                unsafe keep(features)
            }
        }
    }

    /// `weights · x` of one part's row, straight from its sparse features.
    @inline(__always)
    private func dot(_ features: PartFeatures._UnsafeHandle) -> Float {
        var sum: Float = 0
        for index in unsafe 0..<features.indices.count {
            unsafe sum += weights[Int(features.indices[index])] * features.values[index]
        }
        return sum
    }

    private func keep(_ features: PartFeatures._UnsafeHandle) {
        bestCount = unsafe features.indices.count
        unsafe bestIndices.update(from: features.indices.baseAddress!, count: bestCount)
        unsafe bestValues.update(from: features.values.baseAddress!, count: bestCount)
        bestTextCount = unsafe features.text.count
        if let text = unsafe features.text.baseAddress, bestTextCount > 0 {
            unsafe bestText.update(from: text, count: bestTextCount)
        }
    }

    /// The category of the last scored request's deciding part (an index into
    /// ``SVMModel/categories``), or nil for a model without categories.
    public func category() -> Int? {
        guard categoryCount > 0 else { return nil }
        restoreBest()
        // Each category's sum adds the same terms in the same order as a row-by-row loop would,
        // so the scores (and ties) are the same bit for bit; only the memory order differs.
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: categoryCount) { sums in
            for category in 0..<categoryCount { unsafe sums[category] = model.categoryIntercepts[category] }
            for index in 0..<bestCount {
                let value = unsafe bestValues[index]
                let column = unsafe categoryWeights + Int(unsafe bestIndices[index]) * categoryCount
                for category in 0..<categoryCount { unsafe sums[category] += column[category] * value }
            }
            var bestCategory = 0
            var bestScore = -Float.infinity
            for category in 0..<categoryCount where unsafe sums[category] > bestScore {
                bestScore = unsafe sums[category]
                bestCategory = category
            }
            return bestCategory
        }
    }

    /// The largest terms of the last scored request's deciding part, largest first, at most
    /// `limit`: n-grams named by the first n-gram of the part's text that reached their column,
    /// tokens as `<kind token>`. Slow path, allocates: for anomalous predictions only.
    public func explanation(limit: Int) -> [FeatureContribution] {
        guard limit > 0 else { return [] }
        restoreBest()
        var firstNGram: [Int32: (start: Int, length: Int)] = [:]
        unsafe extractor.forEachNGram(in: bestText, count: bestTextCount) { column, start, length in
            if firstNGram[Int32(column)] == nil { firstNGram[Int32(column)] = (start, length) }
        }
        var terms: [Int32: Float] = [:]
        for index in 0..<bestCount {
            let column = unsafe bestIndices[index]
            unsafe terms[column, default: 0] += weights[Int(column)] * bestValues[index]
        }
        return terms.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .prefix(limit)
            .map { column, contribution in
                var feature = "<token>"
                if let (start, length) = firstNGram[column] {
                    // The markers read as `^` and `$`, as in a pattern.
                    let from = max(start, 0)
                    let text = unsafe String(
                        decoding: UnsafeBufferPointer(
                            start: bestText + from,
                            count: min(start + length, bestTextCount) - from
                        ),
                        as: UTF8.self
                    )
                    feature = (start < 0 ? "^" : "") + text + (start + length > bestTextCount ? "$" : "")
                }
                return FeatureContribution(block: bestKind.name, feature: feature, contribution: contribution)
            }
    }
}
