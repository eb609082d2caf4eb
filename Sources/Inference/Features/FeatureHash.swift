/// The platform-independent hashes of the feature extractor (Swift's `Hasher` is randomly seeded).
enum FeatureHash {
    static let fnv32Basis: UInt32 = 2_166_136_261
    static let fnv32Prime: UInt32 = 16_777_619
    static let fnv64Basis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let fnv64Prime: UInt64 = 0x0000_0100_0000_01B3

    /// One FNV-1a step.
    @inline(__always)
    static func step(_ hash: UInt32, _ byte: UInt8) -> UInt32 { (hash ^ UInt32(byte)) &* fnv32Prime }

    /// MurmurHash3's 32-bit finaliser: spreads FNV's weak low bits before they pick a bucket.
    @inline(__always)
    static func finalize(_ hash: UInt32) -> UInt32 {
        var h = hash
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        return h
    }

    /// The FNV-1a basis of a hashed block: the standard basis fed the seed (4 bytes, little-endian)
    /// and the block's 1-based index.
    static func blockBasis(seed: UInt32, block: Int) -> UInt32 {
        var hash = fnv32Basis
        for shift in stride(from: 0, to: 32, by: 8) {
            hash = step(hash, UInt8(truncatingIfNeeded: seed >> UInt32(shift)))
        }
        return step(hash, UInt8(truncatingIfNeeded: block + 1))
    }

    /// 64-bit FNV-1a of `bytes`, continuing from `hash`.
    static func fnv64(_ bytes: UnsafeBufferPointer<UInt8>, from hash: UInt64) -> UInt64 {
        var hash = hash
        for index in 0..<bytes.count { hash = (hash ^ UInt64(unsafe bytes[index])) &* fnv64Prime }
        return hash
    }
}
