#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one implementation of request features, shared by `featurize` (training) and serving.
///
/// The vector is `[hashed n-grams | numeric]` as described by ``FeatureConfiguration``: for each
/// hashed block (e.g. `path`, `params` = query and body, `user_agent`, `referer`) the field values
/// are percent-decoded (bounded rounds), lower-cased, digits collapsed, and their character
/// n-grams hashed into the shared buckets with a per-block basis; each block's bucket values are
/// L2-normalised and scaled to the block's weight. ``NumericFeature`` values follow.
///
/// ``extract(_:into:)`` writes into a caller-owned row and does not allocate: all scratch space is
/// preallocated. Not thread-safe: one extractor per worker thread.
@safe public final class FeatureExtractor {
    /// The newest value of ``FeatureConfiguration/extractor`` this code implements.
    public static let implementation = "http-ngram-v2"
    /// Every extractor version this code computes exactly: `http-ngram-v1` (n-gram blocks and
    /// numeric features) and `http-ngram-v2` (v1 plus the `param_tokens` block).
    public static let implementations = ["http-ngram-v1", "http-ngram-v2"]

    public let configuration: FeatureConfiguration
    /// Length of a feature row.
    public let dimension: Int

    /// Length of the hashed part; the numeric tail starts here.
    public let hashedDimension: Int
    /// The fields of each n-gram block; empty for the `param_tokens` block.
    let blockFields: [[RequestField]]
    let blockWeights: [Float]
    /// Per block: its field when that is a header alone (user agent, referer), whose share of a
    /// linear decision ``dot(_:weights:cacheKey:)`` memoises in `headerCache`.
    let headerFields: [RequestField?]
    let headerCache: HeaderDotCache
    let blockBases: [UInt32]
    let ngramMin: Int
    let ngramMax: Int
    let termWeighting: TermWeighting
    let normalizeHashedPart: Bool
    let numericWeight: Float

    /// Decoded bytes of the field being processed.
    let scratch: UnsafeMutablePointer<UInt8>
    let scratchCapacity: Int
    /// Bucket counts of the block being processed (all zero between blocks), one byte each so the
    /// 16 KB table stays in L1 beside the row; a count of 255 continues in `overflow`.
    let counts: UnsafeMutablePointer<UInt8>
    /// Occurrences beyond 255 of a bucket (zero unless its byte count is 255): counts stay exact.
    let overflow: UnsafeMutablePointer<UInt32>
    /// Buckets with a non-zero count in the block being processed, and at flush their values.
    let touched: UnsafeMutablePointer<Int32>
    let touchedValues: UnsafeMutablePointer<Float>
    /// Hashed-part indices the last ``extract(_:into:rowIsZero:)`` made non-zero, each once, for
    /// ``clear(_:written:)`` and sparse scoring (always below ``hashedDimension``).
    let written: UnsafeMutablePointer<Int32>
    let writtenCapacity: Int
    private(set) var writtenCount = 0
    /// The numeric features, for ``dot(_:weights:)``, which writes no row.
    let numericTail: UnsafeMutablePointer<Float>
    /// Byte histograms (path, then parameters) for the entropy features, and their non-zero bins.
    let histogram: UnsafeMutablePointer<UInt32>
    let histogramBins: UnsafeMutablePointer<UInt16>
    /// `log1p(n)` for the small integer counts n < 256.
    let logTable: UnsafeMutablePointer<Float>

    enum TermWeighting { case count, log1p, binary }

    /// The fields the numeric features describe.
    static let contentFields: [RequestField] = [.path, .query, .body]

    /// An extractor for `configuration`.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` when this code does not
    ///   implement `configuration`.
    public init(configuration: FeatureConfiguration = .default, limits: RequestLimits = .default) throws(InferenceError)
    {
        try configuration.validate()
        self.configuration = configuration
        dimension = configuration.dimension
        hashedDimension = configuration.hashedDimension
        blockFields = configuration.blocks.map { block in
            switch block.field {
            case "path": [.path]
            case "params": [.query, .body]
            case "query": [.query]
            case "body": [.body]
            case "user_agent": [.userAgent]
            case "referer": [.referer]
            default: []
            }
        }
        blockWeights = configuration.blocks.map { Float($0.weight) }
        headerFields = blockFields.map { fields in
            fields.count == 1 && (fields[0] == .userAgent || fields[0] == .referer) ? fields[0] : nil
        }
        headerCache = HeaderDotCache(blockCount: configuration.blocks.count)
        blockBases = configuration.blocks.indices.map { FeatureHash.blockBasis(seed: configuration.seed, block: $0) }
        ngramMin = configuration.ngramMin
        ngramMax = configuration.ngramMax
        termWeighting =
            switch configuration.termWeighting {
            case "count": .count
            case "binary": .binary
            default: .log1p
            }
        normalizeHashedPart = configuration.normalization == "l2-per-block+l2"
        numericWeight = Float(configuration.numericWeight)
        scratchCapacity = [RequestField.path, .query, .body, .userAgent, .referer].map(limits.capacity(of:)).max()!
        unsafe scratch = .allocate(capacity: scratchCapacity)
        unsafe counts = .allocate(capacity: hashedDimension)
        unsafe counts.initialize(repeating: 0, count: hashedDimension)
        unsafe overflow = .allocate(capacity: hashedDimension)
        unsafe overflow.initialize(repeating: 0, count: hashedDimension)
        // One spare entry: `tally` writes a candidate before it knows whether the bucket is new.
        unsafe touched = .allocate(capacity: hashedDimension + 1)
        unsafe touchedValues = .allocate(capacity: hashedDimension)
        writtenCapacity = hashedDimension
        unsafe written = .allocate(capacity: writtenCapacity)
        unsafe numericTail = .allocate(capacity: dimension - hashedDimension)
        unsafe numericTail.initialize(repeating: 0, count: dimension - hashedDimension)
        unsafe histogram = .allocate(capacity: 512)
        unsafe histogram.initialize(repeating: 0, count: 512)
        unsafe histogramBins = .allocate(capacity: 512)
        unsafe logTable = .allocate(capacity: 256)
        for count in 0..<256 { unsafe logTable[count] = log1p(Float(count)) }
    }

    deinit {
        unsafe scratch.deallocate()
        unsafe counts.deallocate()
        unsafe overflow.deallocate()
        unsafe touched.deallocate()
        unsafe touchedValues.deallocate()
        unsafe written.deallocate()
        unsafe numericTail.deallocate()
        unsafe histogram.deallocate()
        unsafe histogramBins.deallocate()
        unsafe logTable.deallocate()
    }

    /// The bytes an extractor for rows of `dimension` (`hashedDimension` of them hashed)
    /// allocates, from the same sizes as ``init(configuration:limits:)`` (change both together).
    static func allocatedBytes(dimension: Int, hashedDimension: Int, blockCount: Int, limits: RequestLimits) -> Int {
        let scratch = [RequestField.path, .query, .body, .userAgent, .referer].map(limits.capacity(of:)).max()!
        // counts (UInt8), overflow, touched, touchedValues, written (4 bytes each), the numeric tail.
        let perBucket = 1 + 4 * 4
        return scratch + perBucket * hashedDimension + 4 + 4 * (dimension - hashedDimension) + 512 * (4 + 2)
            + 256 * 4 + HeaderDotCache.allocatedBytes(blockCount: blockCount)
    }

    /// Writes the features of `request` into `row` (overwriting all of it). Does not allocate.
    ///
    /// - Parameters:
    ///   - request: a parsed request.
    ///   - row: exactly ``dimension`` floats.
    public func extract(_ request: ParsedRequest, into row: inout MutableSpan<Float>) {
        extract(request, into: &row, rowIsZero: false)
    }

    /// Calls `body` with the hashed-part indices the last extraction made non-zero, each once;
    /// with the numeric tail (from ``hashedDimension``), the only non-zero entries of its row.
    public func withWrittenIndices<R, E: Error>(_ body: (Span<Int32>) throws(E) -> R) throws(E) -> R {
        try body(unsafe Span(_unsafeStart: written, count: writtenCount))
    }

    /// Writes the features of `request` into `row`, which holds what an earlier call left in it:
    /// only the entries `written` lists and the numeric tail are cleared first (start with a zero
    /// row and an empty list), and `written` then lists the entries this extraction wrote. Does not
    /// allocate once `written` has the capacity.
    public func extract(_ request: ParsedRequest, into row: inout MutableSpan<Float>, clearing written: inout [Int32]) {
        clear(&row, written: written.span)
        extract(request, into: &row, rowIsZero: true)
        written.removeAll(keepingCapacity: true)
        unsafe written.append(contentsOf: UnsafeBufferPointer(start: self.written, count: writtenCount))
    }

    /// Zeroes what an extraction wrote: `written` (its written indices) and the numeric tail,
    /// instead of all ``dimension`` floats (16,400 at the default model's configuration).
    public func clear(_ row: inout MutableSpan<Float>, written: Span<Int32>) {
        precondition(row.count == dimension, "feature row has \(row.count) floats, not \(dimension)")
        for position in written.indices { row[Int(written[position])] = 0 }
        for index in hashedDimension..<dimension { row[index] = 0 }
    }

    /// Writes the features of `request` into `row`. With `rowIsZero` the caller promises the row is
    /// all zero (for example, cleared with ``clear(_:written:)``) and only the touched entries are
    /// written; otherwise the whole row is overwritten. Does not allocate.
    public func extract(_ request: ParsedRequest, into row: inout MutableSpan<Float>, rowIsZero: Bool) {
        precondition(row.count == dimension, "feature row has \(row.count) floats, not \(dimension)")
        unsafe row.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            unsafe extract(request, into: out, rowIsZero: rowIsZero)
        }
    }

    /// ``extract(_:into:rowIsZero:)`` into ``dimension`` floats at `out`.
    func extract(_ request: ParsedRequest, into out: UnsafeMutablePointer<Float>, rowIsZero: Bool) {
        writtenCount = 0
        if !rowIsZero || normalizeHashedPart {
            unsafe out.update(repeating: 0, count: dimension)
        }
        var numeric = NumericAccumulator()
        hashBlocks(
            of: request,
            into: &numeric,
            skip: { _ in false },
            finish: { _, touchedCount, weight in
                unsafe flushBlock(touchedCount: touchedCount, weight: weight, into: out)
            }
        )
        if normalizeHashedPart {
            var norm: Float = 0
            for index in 0..<hashedDimension { norm += unsafe out[index] * out[index] }
            if norm > 0 {
                let scale = 1 / norm.squareRoot()
                for index in 0..<hashedDimension { unsafe out[index] *= scale }
            }
        }
        unsafe writeNumeric(&numeric, into: out + hashedDimension)
    }

    /// Whether ``dot(_:weights:)`` can score this configuration (all but whole-row normalisation).
    public var scoresWithoutRow: Bool { !normalizeHashedPart }

    /// `weights · row` for the row ``extract(_:into:)`` would write, computed without a row: each
    /// block's buckets are multiplied into `weights` straight from the block's counts, which is
    /// what a linear model needs (blocks that share a bucket add, as in the row). Does not allocate.
    /// Not for configurations that normalise the whole hashed part (`l2-per-block+l2`), whose
    /// scale needs the merged row.
    ///
    /// - Parameters:
    ///   - weights: ``dimension`` floats.
    ///   - cacheKey: names `weights` for the header memo (``HeaderDotCache``): the share of a
    ///     user-agent or referer block is counted once per distinct header and then looked up.
    ///     One key per weight vector, never reused for other values; nil counts every header.
    public func dot(_ request: ParsedRequest, weights: Span<Float>, cacheKey: UInt64? = nil) -> Float {
        precondition(weights.count == dimension, "weights have \(weights.count) floats, not \(dimension)")
        return unsafe weights.withUnsafeBufferPointer { buffer in
            guard let weights = buffer.baseAddress else { return 0 }
            return unsafe dot(request, weights: weights, cacheKey: cacheKey)
        }
    }

    /// ``dot(_:weights:cacheKey:)`` with ``dimension`` weights at `weights`.
    func dot(_ request: ParsedRequest, weights: UnsafePointer<Float>, cacheKey: UInt64?) -> Float {
        precondition(!normalizeHashedPart, "dot(_:weights:) cannot apply whole-row normalisation")
        writtenCount = 0
        var numeric = NumericAccumulator()
        var sum: Float = 0
        // The header block being counted because the memo missed: its slot, to keep the result.
        var pending: (block: Int, slot: (index: Int, hash: UInt64))? = nil
        if let cacheKey { headerCache.use(key: cacheKey) }
        let memo = cacheKey != nil
        hashBlocks(of: request, into: &numeric) { block in
            pending = nil
            guard memo, let field = headerFields[block] else { return false }
            // The whole header: its capacity is within the scratch's, so decoding keeps all of it.
            return unsafe request.withUnsafeBytes(of: field) { header in
                guard let slot = unsafe headerCache.slot(block: block, header: header) else { return false }
                if let share = unsafe headerCache.value(in: slot, header: header) {
                    sum += share
                    return true
                }
                pending = (block, slot)
                return false
            }
        } finish: { block, touchedCount, weight in
            let share = unsafe dotBlock(touchedCount: touchedCount, weight: weight, weights: weights)
            sum += share
            if let pending, pending.block == block, let field = headerFields[block] {
                unsafe request.withUnsafeBytes(of: field) { header in
                    unsafe headerCache.store(share, in: pending.slot, header: header)
                }
            }
        }
        let tailCount = dimension - hashedDimension
        unsafe writeNumeric(&numeric, into: numericTail)
        for index in 0..<tailCount { unsafe sum += numericTail[index] * weights[hashedDimension + index] }
        return sum
    }

    /// Header blocks whose share ``dot(_:weights:cacheKey:)`` found in its memo, and those it
    /// counted, since this extractor was made.
    public var headerMemoHits: Int { headerCache.hits }
    public var headerMemoMisses: Int { headerCache.misses }

    /// Counts every hashed block of `request` in turn, handing each to `finish` (block, touched
    /// count, block weight), which must clear the counts, unless `skip` (block) took it; gathers
    /// the numeric statistics on the way (headers have none, so a skipped header block loses none).
    @inline(__always)
    private func hashBlocks(
        of request: ParsedRequest,
        into numeric: inout NumericAccumulator,
        skip: (Int) -> Bool,
        finish: (Int, Int, Float) -> Void
    ) {
        var statisticsDone: UInt8 = 0  // bit per content field (path, query, body)
        for block in blockFields.indices {
            if skip(block) { continue }
            var touchedCount = 0
            for field in blockFields[block] {
                let count = decode(field, from: request, into: &numeric, done: &statisticsDone)
                hashNGrams(count: count, basis: blockBases[block], touchedCount: &touchedCount)
            }
            if blockFields[block].isEmpty {
                hashParameterTokens(of: request, basis: blockBases[block], touchedCount: &touchedCount)
            }
            finish(block, touchedCount, blockWeights[block])
        }
        for field in Self.contentFields {
            _ = decode(field, from: request, into: &numeric, done: &statisticsDone)
        }
    }

    func writeNumeric(_ numeric: inout NumericAccumulator, into tail: UnsafeMutablePointer<Float>) {
        unsafe numeric.write(
            into: tail,
            weight: numericWeight,
            maxDecodeDepth: configuration.maxDecodeDepth,
            histogram: histogram,
            bins: histogramBins
        )
    }

    /// The features of `request` as a new array. Allocates; for tests and tools.
    public func extract(_ request: ParsedRequest) -> [Float] {
        var row = [Float](repeating: 0, count: dimension)
        var span = row.mutableSpan
        extract(request, into: &span)
        return row
    }

    /// Copies `field` into the scratch, decodes and normalises it, and (once per content field)
    /// adds it to the numeric statistics. Returns the normalised length.
    func decode(
        _ field: RequestField,
        from request: ParsedRequest,
        into numeric: inout NumericAccumulator,
        done: inout UInt8
    ) -> Int {
        let rawCount = min(request.count(of: field), scratchCapacity)
        guard rawCount > 0 else { return 0 }
        unsafe request.withUnsafeBytes(of: field) { bytes in
            if let base = bytes.baseAddress, rawCount > 0 { unsafe scratch.update(from: base, count: rawCount) }
        }
        let isForm = field == .query || field == .body
        let (count, rounds) = unsafe PercentDecoding.decode(
            scratch,
            count: rawCount,
            maxRounds: configuration.maxDecodeDepth,
            plusAsSpace: isForm
        )
        let bit: UInt8 =
            switch field {
            case .path: 1
            case .query: 2
            case .body: 4
            default: 0
            }
        if bit != 0, done & bit == 0 {
            done |= bit
            unsafe numeric.add(
                UnsafeBufferPointer(start: scratch, count: count),
                rawCount: rawCount,
                rounds: rounds,
                isPath: field == .path,
                histogram: histogram,
                bins: histogramBins
            )
        }
        normalizeScratch(count: count)
        return count
    }

    func normalizeScratch(count: Int) {
        let lowercase = configuration.lowercase
        let collapse = configuration.collapseDigits
        for index in 0..<count {
            let byte = unsafe scratch[index]
            if lowercase, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                unsafe scratch[index] = byte | 0x20
            } else if collapse, byte >= UInt8(ascii: "1"), byte <= UInt8(ascii: "9") {
                unsafe scratch[index] = UInt8(ascii: "0")
            }
        }
    }

    /// Hashes the character n-grams of the scratch into the block counts.
    func hashNGrams(count: Int, basis: UInt32, touchedCount: inout Int) {
        let mask = UInt32(hashedDimension - 1)
        for start in 0..<count {
            var hash = basis
            let longest = min(ngramMax, count - start)
            for length in 0..<longest {
                hash = FeatureHash.step(hash, unsafe scratch[start + length])
                if length + 1 >= ngramMin {
                    tally(bucket: Int(FeatureHash.finalize(hash) & mask), touchedCount: &touchedCount)
                }
            }
        }
    }

    /// Counts one occurrence of `bucket` in the block, listing it in `touched` the first time.
    /// Branch-free on "first time?" (which is a coin toss per n-gram): the bucket is always written
    /// to the next `touched` slot and the slot kept only when the count was zero.
    @inline(__always)
    func tally(bucket: Int, touchedCount: inout Int) {
        let count = unsafe counts[bucket]
        unsafe touched[touchedCount] = Int32(truncatingIfNeeded: bucket)
        touchedCount &+= count == 0 ? 1 : 0
        if _fastPath(count != 255) {
            unsafe counts[bucket] = count &+ 1
        } else {
            unsafe overflow[bucket] &+= 1
        }
    }

    /// The weighted value of every touched bucket into `touchedValues`, the block counts cleared;
    /// returns the scale that L2-normalises the block to `weight`.
    func weighBlock(touchedCount: Int, weight: Float) -> Float {
        var norm: Float = 0
        for index in 0..<touchedCount {
            let bucket = Int(unsafe touched[index])
            let small = unsafe counts[bucket]
            var occurrences = Int(small)
            if small == 255 {
                occurrences += Int(unsafe overflow[bucket])
                unsafe overflow[bucket] = 0
            }
            unsafe counts[bucket] = 0
            let value: Float =
                switch termWeighting {
                case .count: Float(occurrences)
                case .log1p: occurrences < 256 ? unsafe logTable[occurrences] : log1p(Float(occurrences))
                case .binary: 1
                }
            unsafe touchedValues[index] = value
            norm += value * value
        }
        return weight / norm.squareRoot()
    }

    /// Adds the normalised, weighted block into `out` and clears the block counts.
    private func flushBlock(touchedCount: Int, weight: Float, into out: UnsafeMutablePointer<Float>) {
        guard touchedCount > 0 else { return }
        let scale = weighBlock(touchedCount: touchedCount, weight: weight)
        var listed = writtenCount
        for index in 0..<touchedCount {
            let bucket = Int(unsafe touched[index])
            let before = unsafe out[bucket]
            let after = unsafe before + touchedValues[index] * scale
            unsafe out[bucket] = after
            // An entry is listed when it first becomes non-zero, so each appears once (blocks share
            // buckets); at most hashedDimension entries, the capacity of `written`.
            if before == 0, after != 0 {
                unsafe written[listed] = Int32(bucket)
                listed += 1
            }
        }
        writtenCount = listed
    }

    /// The block's share of `weights · row`, its counts cleared, without writing a row.
    private func dotBlock(touchedCount: Int, weight: Float, weights: UnsafePointer<Float>) -> Float {
        guard touchedCount > 0 else { return 0 }
        let scale = weighBlock(touchedCount: touchedCount, weight: weight)
        var sum: Float = 0
        for index in 0..<touchedCount {
            unsafe sum += weights[Int(touched[index])] * touchedValues[index]
        }
        return sum * scale
    }
}
