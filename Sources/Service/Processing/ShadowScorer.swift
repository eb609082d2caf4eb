import Inference

/// The shadow model's half of a worker's pass (``InferenceProcessor`` with a shadow model): each
/// request the main model scores is scored again by the shadow, from the same parse, in the same
/// micro-batch.
///
/// How a request is scored follows the shadow model, whatever the main one is: a part model
/// scores its parts; a linear model scores straight from its n-gram counts with its own extractor
/// (an extractor's header memo holds one model's weights, so sharing the main one's would empty it
/// at every request); a kernel model fills a feature row per request and scores the batch with
/// one BLAS product. When both models fill rows from the same feature configuration the shadow
/// copies the main model's row (its non-zero entries only) instead of extracting it again.
final class ShadowScorer {
    let model: SVMModel
    private let partScorer: PartScorer?
    /// Whole-request shadows: the scorer, and the extractor unless rows are copied.
    private let scorer: BatchScorer?
    private let extractor: FeatureExtractor?
    private let scoresEachRow: Bool
    /// Where the numeric tail starts when rows are copied from the main model's.
    private let copiedTail: Int?
    /// Per row: the entries last written into it, so the next request clears only those.
    private var rowWritten: [[Int32]]
    /// Decision values of the current batch, in the order requests were added.
    private var scores: [Float] = []

    /// - Parameters:
    ///   - model: the shadow model, loaded and validated.
    ///   - sharesRowsWith: the main model's extractor when the main model fills feature rows;
    ///     nil for a main model that scores without rows (part and linear models).
    ///   - maxBatch: the largest batch; `limits`: the parser's.
    /// - Throws: ``InferenceError`` when this build cannot extract the shadow's features.
    init(
        model: SVMModel,
        sharesRowsWith mainExtractor: FeatureExtractor?,
        maxBatch: Int,
        limits: RequestLimits
    ) throws(InferenceError) {
        self.model = model
        scores.reserveCapacity(maxBatch)
        if model.isPartModel {
            partScorer = try PartScorer(model: model, limits: limits)
            scorer = nil
            extractor = nil
            scoresEachRow = true
            copiedTail = nil
            rowWritten = []
            return
        }
        partScorer = nil
        let configuration = try model.featureConfiguration()
        let own = try FeatureExtractor(configuration: configuration, limits: limits)
        guard own.dimension == model.dimension else {
            throw .featureMismatch("model dimension \(model.dimension) but extractor dimension \(own.dimension)")
        }
        scorer = BatchScorer(model: model, maxBatch: maxBatch)
        scoresEachRow = model.kernel == .linear && own.scoresWithoutRow
        if !scoresEachRow, let mainExtractor, mainExtractor.configuration == configuration {
            extractor = nil
            copiedTail = mainExtractor.hashedDimension
        } else {
            extractor = own
            copiedTail = nil
        }
        rowWritten = Array(repeating: [], count: scoresEachRow ? 0 : maxBatch)
    }

    /// Starts a batch.
    func reset() { scores.removeAll(keepingCapacity: true) }

    /// Scores `request`, or fills row `row` for ``finish(count:)``; `main` and `mainWritten` are the
    /// main model's scorer and the entries its extraction wrote into the same row, when it has rows.
    func add(_ request: ParsedRequest, row: Int, main: BatchScorer?, mainWritten: [Int32]) {
        if let partScorer {
            scores.append(partScorer.score(request).score)
        } else if scoresEachRow, let scorer, let extractor {
            scores.append(scorer.linearDecision(of: request, extractor: extractor))
        } else if let scorer, let extractor {
            scorer.withRow(row) { target in extractor.extract(request, into: &target, clearing: &rowWritten[row]) }
        } else if let scorer, let tail = copiedTail, let main {
            main.withRow(row) { source in
                scorer.withRow(row) { target in copy(source, into: &target, row: row, written: mainWritten, tail: tail)
                }
            }
        }
    }

    /// The main row's non-zero entries into the shadow's row: the ones its last request left are
    /// cleared first, so the row equals what extracting it would have written.
    private func copy(
        _ source: borrowing MutableSpan<Float>,
        into target: inout MutableSpan<Float>,
        row: Int,
        written: [Int32],
        tail: Int
    ) {
        for index in rowWritten[row] { target[Int(index)] = 0 }
        for index in written { target[Int(index)] = source[Int(index)] }
        for index in tail..<target.count { target[index] = source[index] }
        rowWritten[row].removeAll(keepingCapacity: true)
        rowWritten[row].append(contentsOf: written)
    }

    /// Scores the batch's `count` rows with one BLAS product (kernel models; others scored each
    /// request as it was added).
    func finish(count: Int) {
        guard !scoresEachRow, let scorer, count > 0 else { return }
        scorer.score(count: count) { decisions in
            for index in decisions.indices { scores.append(decisions[index]) }
        }
    }

    /// The shadow's verdict on the `position`th request added: its score and whether it is over
    /// the shadow model's own threshold; nil when the score is not finite.
    func verdict(at position: Int) -> (score: Float, anomalous: Bool)? {
        let score = scores[position]
        guard score.isFinite else { return nil }
        return (score, score > model.threshold)
    }
}
