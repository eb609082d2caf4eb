/// A set of byte values (256 bits), fed to a hash in ascending order: the character-class set
/// tokens of the `param_tokens` block and of the part extractor.
struct ByteSet {
    private var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))

    @inline(__always)
    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// `hash` continued (FNV-1a) with every member, smallest first.
    func hashed(from hash: UInt32) -> UInt32 {
        var hash = hash
        for (word, bits) in [words.0, words.1, words.2, words.3].enumerated() {
            var remaining = bits
            while remaining != 0 {
                hash = FeatureHash.step(hash, UInt8(word * 64 + remaining.trailingZeroBitCount))
                remaining &= remaining - 1
            }
        }
        return hash
    }
}
