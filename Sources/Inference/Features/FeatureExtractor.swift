import Foundation

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
    let blockBases: [UInt32]
    let ngramMin: Int
    let ngramMax: Int
    let termWeighting: TermWeighting
    let normalizeHashedPart: Bool
    let numericWeight: Float

    /// Decoded bytes of the field being processed.
    let scratch: UnsafeMutablePointer<UInt8>
    let scratchCapacity: Int
    /// Bucket counts of the block being processed (all zero between blocks).
    let counts: UnsafeMutablePointer<Float>
    /// Buckets with a non-zero count in the block being processed.
    let touched: UnsafeMutablePointer<Int32>
    /// One bit per bucket: set when the bucket is in `touched`. 2 KB at 16,384 buckets, so the
    /// per-n-gram "first time?" test reads L1 instead of the 64 KB `counts` (whose increment no
    /// branch then waits for).
    let seen: UnsafeMutablePointer<UInt64>
    /// Hashed-part indices the last ``extract(_:into:rowIsZero:)`` made non-zero, each once, for
    /// ``clear(_:written:)`` and sparse scoring.
    let written: UnsafeMutablePointer<Int32>
    let writtenCapacity: Int
    private(set) var writtenCount = 0
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
        unsafe touched = .allocate(capacity: hashedDimension)
        unsafe seen = .allocate(capacity: (hashedDimension + 63) / 64)
        unsafe seen.initialize(repeating: 0, count: (hashedDimension + 63) / 64)
        writtenCapacity = hashedDimension
        unsafe written = .allocate(capacity: writtenCapacity)
        unsafe histogram = .allocate(capacity: 512)
        unsafe histogram.initialize(repeating: 0, count: 512)
        unsafe histogramBins = .allocate(capacity: 512)
        unsafe logTable = .allocate(capacity: 256)
        for count in 0..<256 { unsafe logTable[count] = Foundation.log1p(Float(count)) }
    }

    deinit {
        unsafe scratch.deallocate()
        unsafe counts.deallocate()
        unsafe touched.deallocate()
        unsafe seen.deallocate()
        unsafe written.deallocate()
        unsafe histogram.deallocate()
        unsafe histogramBins.deallocate()
        unsafe logTable.deallocate()
    }

    /// Writes the features of `request` into `row` (overwriting all of it). Does not allocate.
    ///
    /// - Parameters:
    ///   - request: a parsed request.
    ///   - row: exactly ``dimension`` floats.
    public func extract(_ request: ParsedRequest, into row: UnsafeMutableBufferPointer<Float>) {
        unsafe extract(request, into: row, rowIsZero: false)
    }

    /// The hashed-part indices the last extraction made non-zero, each once; with the numeric
    /// tail (from ``hashedDimension``), the only non-zero entries of its row. Valid until the next
    /// extraction.
    public var writtenIndices: UnsafeBufferPointer<Int32> {
        unsafe UnsafeBufferPointer(start: written, count: writtenCount)
    }

    /// Zeroes what an extraction wrote: `written` (its ``writtenIndices``) and the numeric tail,
    /// instead of all ``dimension`` floats (16,400 at the default model's configuration).
    public func clear(_ row: UnsafeMutableBufferPointer<Float>, written: UnsafeBufferPointer<Int32>) {
        precondition(row.count == dimension, "feature row has \(row.count) floats, not \(dimension)")
        guard let out = row.baseAddress else { return }
        for unsafe index in unsafe written { unsafe out[Int(index)] = 0 }
        unsafe (out + hashedDimension).update(repeating: 0, count: dimension - hashedDimension)
    }

    /// Writes the features of `request` into `row`. With `rowIsZero` the caller promises the row is
    /// all zero (for example, cleared with ``clear(_:written:)``) and only the touched entries are
    /// written; otherwise the whole row is overwritten. Does not allocate.
    public func extract(_ request: ParsedRequest, into row: UnsafeMutableBufferPointer<Float>, rowIsZero: Bool) {
        precondition(row.count == dimension, "feature row has \(row.count) floats, not \(dimension)")
        guard let out = row.baseAddress else { return }
        writtenCount = 0
        if !rowIsZero || normalizeHashedPart {
            unsafe out.update(repeating: 0, count: dimension)
        }
        var numeric = NumericAccumulator()
        var statisticsDone: UInt8 = 0  // bit per content field (path, query, body)
        for block in blockFields.indices {
            var touchedCount = 0
            for field in blockFields[block] {
                let count = decode(field, from: request, into: &numeric, done: &statisticsDone)
                hashNGrams(count: count, basis: blockBases[block], touchedCount: &touchedCount)
            }
            if blockFields[block].isEmpty {
                hashParameterTokens(of: request, basis: blockBases[block], touchedCount: &touchedCount)
            }
            unsafe flushBlock(touchedCount: touchedCount, weight: blockWeights[block], into: out)
        }
        for field in Self.contentFields {
            _ = decode(field, from: request, into: &numeric, done: &statisticsDone)
        }
        if normalizeHashedPart {
            var norm: Float = 0
            for index in 0..<hashedDimension { norm += unsafe out[index] * out[index] }
            if norm > 0 {
                let scale = 1 / norm.squareRoot()
                for index in 0..<hashedDimension { unsafe out[index] *= scale }
            }
        }
        unsafe numeric.write(
            into: out + hashedDimension,
            weight: numericWeight,
            maxDecodeDepth: configuration.maxDecodeDepth,
            histogram: histogram,
            bins: histogramBins
        )
    }

    /// The features of `request` as a new array. Allocates; for tests and tools.
    public func extract(_ request: ParsedRequest) -> [Float] {
        var row = [Float](repeating: 0, count: dimension)
        unsafe row.withUnsafeMutableBufferPointer { buffer in unsafe extract(request, into: buffer) }
        return row
    }

    /// Copies `field` into the scratch, decodes and normalises it, and (once per content field)
    /// adds it to the numeric statistics. Returns the normalised length.
    private func decode(
        _ field: RequestField,
        from request: ParsedRequest,
        into numeric: inout NumericAccumulator,
        done: inout UInt8
    ) -> Int {
        let rawCount = min(request.count(of: field), scratchCapacity)
        guard rawCount > 0 else { return 0 }
        unsafe request.withBytes(of: field) { bytes in
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

    private func normalizeScratch(count: Int) {
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
    private func hashNGrams(count: Int, basis: UInt32, touchedCount: inout Int) {
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
    @inline(__always)
    func tally(bucket: Int, touchedCount: inout Int) {
        let word = bucket >> 6
        let bit = UInt64(1) << UInt64(bucket & 63)
        let bits = unsafe seen[word]
        if bits & bit == 0 {
            unsafe seen[word] = bits | bit
            unsafe touched[touchedCount] = Int32(bucket)
            touchedCount += 1
        }
        unsafe counts[bucket] += 1
    }

    /// Adds the normalised, weighted block into `out` and clears the block counts.
    private func flushBlock(touchedCount: Int, weight: Float, into out: UnsafeMutablePointer<Float>) {
        guard touchedCount > 0 else { return }
        var norm: Float = 0
        for index in 0..<touchedCount {
            let bucket = Int(unsafe touched[index])
            let value: Float =
                switch termWeighting {
                case .count: unsafe counts[bucket]
                case .log1p:
                    unsafe counts[bucket] < 256 ? logTable[Int(counts[bucket])] : Foundation.log1p(counts[bucket])
                case .binary: 1
                }
            unsafe counts[bucket] = value
            norm += value * value
        }
        let scale = weight / norm.squareRoot()
        for index in 0..<touchedCount {
            let bucket = Int(unsafe touched[index])
            let before = unsafe out[bucket]
            let after = unsafe before + counts[bucket] * scale
            unsafe out[bucket] = after
            unsafe counts[bucket] = 0
            unsafe seen[bucket >> 6] = 0
            // An entry is listed when it first becomes non-zero, so each appears once (blocks share
            // buckets); at most hashedDimension entries, the capacity of `written`.
            if before == 0, after != 0 {
                unsafe written[writtenCount] = Int32(bucket)
                writtenCount += 1
            }
        }
    }
}
