import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A memo of header blocks' shares of a linear decision, keyed by the header's raw bytes.
///
/// A block whose only field is a header (`user_agent`, `referer`) contributes
/// `scale · Σ weights[bucket] · value(bucket)` to `weights · row`, a function of that header's
/// bytes and the weights alone: no numeric statistic reads headers. Real traffic repeats a few
/// hundred user agents and referers, and in the generated and CSIC traffic they are 60 % of a
/// request's bytes, so ``FeatureExtractor/dot(_:weights:cacheKey:)`` looks each one up here
/// before counting its n-grams. A hit is exact: the stored bytes are compared in full, so a
/// hash collision (FNV is not collision-resistant) costs a recount, never a wrong score.
///
/// Direct-mapped, ``slotCount`` slots per block of headers up to ``maxLength`` bytes (longer ones
/// are always counted). Not thread-safe: one per extractor, which is one per worker thread.
@safe final class HeaderDotCache {
    static let slotCount = 256
    static let maxLength = 192

    /// Distinguishes weight vectors: a key handed out once per ``BatchScorer`` (never reused, so a
    /// new model's weights at a freed model's address cannot hit the old values).
    static let nextKey = Atomic<UInt64>(1)
    static func makeKey() -> UInt64 { nextKey.add(1, ordering: .relaxed).oldValue }

    /// The weights the stored values belong to; 0 when empty.
    private var owner: UInt64 = 0
    private let blockCount: Int
    /// Per slot: 64-bit FNV-1a of the bytes (0 = empty), their length, the block's share, the bytes.
    private let hashes: UnsafeMutablePointer<UInt64>
    private let lengths: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    /// Per slot, for part models: how many parts the header gave (the part budget counts them).
    private let counts: UnsafeMutablePointer<Int32>
    private let bytes: UnsafeMutablePointer<UInt8>
    private(set) var hits = 0
    private(set) var misses = 0

    init(blockCount: Int) {
        self.blockCount = blockCount
        let slots = blockCount * Self.slotCount
        unsafe hashes = .allocate(capacity: slots)
        unsafe hashes.initialize(repeating: 0, count: slots)
        unsafe lengths = .allocate(capacity: slots)
        unsafe lengths.initialize(repeating: 0, count: slots)
        unsafe values = .allocate(capacity: slots)
        unsafe values.initialize(repeating: 0, count: slots)
        unsafe counts = .allocate(capacity: slots)
        unsafe counts.initialize(repeating: 0, count: slots)
        unsafe bytes = .allocate(capacity: slots * Self.maxLength)
    }

    /// The bytes ``init(blockCount:)`` allocates (change both together).
    static func allocatedBytes(blockCount: Int) -> Int {
        blockCount * slotCount * (8 + 4 + 4 + 4 + maxLength)
    }

    deinit {
        unsafe hashes.deallocate()
        unsafe lengths.deallocate()
        unsafe values.deallocate()
        unsafe counts.deallocate()
        unsafe bytes.deallocate()
    }

    /// Forgets every value when `key` names other weights than the stored values'.
    func use(key: UInt64) {
        guard key != owner else { return }
        unsafe hashes.update(repeating: 0, count: blockCount * Self.slotCount)
        owner = key
    }

    /// The slot for `header` in `block`, or nil when it is too long to keep.
    func slot(block: Int, header: UnsafeBufferPointer<UInt8>) -> (index: Int, hash: UInt64)? {
        guard header.count <= Self.maxLength else { return nil }
        // Never 0, which marks an empty slot.
        let hash = unsafe Self.hash(header) | 1
        return (block * Self.slotCount + Int(truncatingIfNeeded: hash >> 40) & (Self.slotCount - 1), hash)
    }

    /// The stored share of `header` in `slot`, if that slot holds exactly these bytes.
    func value(in slot: (index: Int, hash: UInt64), header: UnsafeBufferPointer<UInt8>) -> Float? {
        let index = slot.index
        guard unsafe hashes[index] == slot.hash, unsafe Int(lengths[index]) == header.count else {
            misses += 1
            return nil
        }
        if let base = header.baseAddress, unsafe memcmp(bytes + index * Self.maxLength, base, header.count) != 0 {
            misses += 1
            return nil
        }
        hits += 1
        return unsafe values[index]
    }

    /// FNV-1a over 8-byte words, then MurmurHash3's 64-bit finaliser: a 110-byte user agent is 14
    /// multiplications, not 110. Only a slot index and a pre-check; the bytes decide a hit.
    static func hash(_ header: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = header.baseAddress else { return FeatureHash.fnv64Basis }
        let raw = unsafe UnsafeRawPointer(base)
        var hash = FeatureHash.fnv64Basis ^ UInt64(header.count)
        var offset = 0
        while offset + 8 <= header.count {
            let word = unsafe raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* FeatureHash.fnv64Prime
            offset += 8
        }
        while offset < header.count {
            hash = unsafe (hash ^ UInt64(base[offset])) &* FeatureHash.fnv64Prime
            offset += 1
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }

    /// The part count stored with the value in `slot` (meaningful after a hit there).
    func partCount(in slot: (index: Int, hash: UInt64)) -> Int { Int(unsafe counts[slot.index]) }

    /// Keeps `value` as the share of `header` in `slot`, replacing what was there; part models also
    /// keep how many parts the header gave.
    func store(
        _ value: Float,
        partCount: Int = 0,
        in slot: (index: Int, hash: UInt64),
        header: UnsafeBufferPointer<UInt8>
    ) {
        let index = slot.index
        if let base = header.baseAddress, !header.isEmpty {
            unsafe (bytes + index * Self.maxLength).update(from: base, count: header.count)
        }
        unsafe lengths[index] = Int32(header.count)
        unsafe values[index] = value
        unsafe counts[index] = Int32(partCount)
        unsafe hashes[index] = slot.hash
    }
}
