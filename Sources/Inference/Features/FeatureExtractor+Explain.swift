/// One feature's share of a linear decision value: what `--explain` reports.
public struct FeatureContribution: Sendable, Equatable {
    /// The block (`path`, `params`, `user_agent`, `referer`, `param_tokens`) or `numeric`.
    public var block: String
    /// The n-gram as the extractor saw it (decoded, normalised), `name=<shape>` for a parameter
    /// token, or the numeric feature's name.
    public var feature: String
    /// Its term of `weights · row`.
    public var contribution: Float
}

extension FeatureExtractor {
    /// The terms of `weights · row` for `request`, largest first, at most `limit` of them (all
    /// positive ones first, so the top of the list is what pushed the score up). Slow path,
    /// allocates: for anomalous predictions only. Buckets shared by several n-grams are named by
    /// the first n-gram that reached them; parameter tokens by their block (their text is hashed
    /// whole and not kept).
    public func explain(_ request: ParsedRequest, weights: Span<Float>, limit: Int) -> [FeatureContribution] {
        precondition(weights.count == dimension, "weights have \(weights.count) floats, not \(dimension)")
        return unsafe weights.withUnsafeBufferPointer { buffer in
            guard let weights = buffer.baseAddress else { return [] }
            return unsafe explain(request, weights: weights, limit: limit)
        }
    }

    /// ``explain(_:weights:limit:)`` with ``dimension`` weights at `weights`.
    func explain(_ request: ParsedRequest, weights: UnsafePointer<Float>, limit: Int) -> [FeatureContribution] {
        guard limit > 0 else { return [] }
        // Candidates as numbers; text is made only for the `limit` that are kept.
        struct Term {
            var contribution: Float
            var block: Int
            /// For n-grams: the source copy, start and length of the first n-gram in the bucket.
            var source = -1
            var start = 0
            var length = 0
            /// For numeric features: the feature's index.
            var numeric = -1
        }
        var best: [Term] = []
        best.reserveCapacity(min(limit, 64) + 1)
        func offer(_ term: Term) {
            guard best.count < limit || term.contribution > best[best.count - 1].contribution else { return }
            let at = best.firstIndex { $0.contribution < term.contribution } ?? best.count
            best.insert(term, at: at)
            if best.count > limit { best.removeLast() }
        }
        var sources: [[UInt8]] = []
        // Per bucket, the first n-gram of the current block that reached it: source, start, length.
        var first = [(source: Int32, start: Int32, length: Int32)](repeating: (-1, 0, 0), count: hashedDimension)
        var numeric = NumericAccumulator()
        var statisticsDone: UInt8 = 0
        let mask = UInt32(hashedDimension - 1)
        for block in blockFields.indices {
            var touchedCount = 0
            for field in blockFields[block] {
                let count = decode(field, from: request, into: &numeric, done: &statisticsDone)
                let source = Int32(sources.count)
                sources.append(unsafe Array(UnsafeBufferPointer(start: scratch, count: count)))
                for start in 0..<count {
                    var hash = blockBases[block]
                    for length in 0..<min(ngramMax, count - start) {
                        hash = FeatureHash.step(hash, unsafe scratch[start + length])
                        guard length + 1 >= ngramMin else { continue }
                        let bucket = Int(FeatureHash.finalize(hash) & mask)
                        if first[bucket].source < 0 { first[bucket] = (source, Int32(start), Int32(length + 1)) }
                    }
                }
                hashNGrams(count: count, basis: blockBases[block], touchedCount: &touchedCount)
            }
            if blockFields[block].isEmpty {
                hashParameterTokens(of: request, basis: blockBases[block], touchedCount: &touchedCount)
            }
            guard touchedCount > 0 else { continue }
            let buckets = (0..<touchedCount).map { Int(unsafe touched[$0]) }
            let scale = weighBlock(touchedCount: touchedCount, weight: blockWeights[block])
            for (index, bucket) in buckets.enumerated() {
                let origin = first[bucket]
                offer(
                    Term(
                        contribution: unsafe weights[bucket] * touchedValues[index] * scale,
                        block: block,
                        source: Int(origin.source),
                        start: Int(origin.start),
                        length: Int(origin.length)
                    )
                )
                first[bucket] = (-1, 0, 0)
            }
        }
        for field in Self.contentFields {
            _ = decode(field, from: request, into: &numeric, done: &statisticsDone)
        }
        unsafe writeNumeric(&numeric, into: numericTail)
        for index in 0..<min(NumericFeature.allCases.count, dimension - hashedDimension) {
            offer(
                Term(
                    contribution: unsafe weights[hashedDimension + index] * numericTail[index],
                    block: -1,
                    numeric: index
                )
            )
        }
        let names = configuration.blocks.map(\.field)
        return best.map { term in
            if term.numeric >= 0 {
                return FeatureContribution(
                    block: "numeric",
                    feature: NumericFeature.allCases[term.numeric].name,
                    contribution: term.contribution
                )
            }
            let text =
                term.source >= 0
                ? String(decoding: sources[term.source][term.start..<(term.start + term.length)], as: UTF8.self)
                : "(parameter token)"
            return FeatureContribution(block: names[term.block], feature: text, contribution: term.contribution)
        }
    }
}
