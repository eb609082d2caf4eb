/// The `param_tokens` block (extractor `http-ngram-v2`): whole-token features of each form
/// parameter of the query and the body, where n-grams see only a bag of characters.
///
/// Per parameter `name=value` (split at `&`, both sides percent-decoded like the n-gram fields;
/// a piece without `=` is a value with an empty name) two tokens are hashed from the block basis:
/// - `n` + name: which parameters a request carries (a renamed or injected name is a token the
///   normal traffic never showed);
/// - `c` + name + `0x00` + the value's character classes in byte order: lower-case letters as
///   `a`, upper-case as `A`, digits as `0`, bytes >= 0x80 as `u`, every other byte as itself. A
///   `'` or `/` in a field that only ever held letters and digits is a new token, however the
///   value's n-grams look.
/// Names are cut to ``maxNameBytes``; at most ``maxParameters`` parameters count. A body that
/// starts with `{`, `[` or `<` is not form data and gives no tokens.
extension FeatureExtractor {
    static let maxParameters = 256
    static let maxNameBytes = 64

    /// Hashes the parameter tokens of `request` into the block counts.
    func hashParameterTokens(of request: ParsedRequest, basis: UInt32, touchedCount: inout Int) {
        var budget = Self.maxParameters
        for field in [RequestField.query, .body] {
            unsafe request.withUnsafeBytes(of: field) { raw in
                let structured = unsafe field == .body && Self.isStructured(raw)
                guard let base = raw.baseAddress, raw.count > 0, !structured else { return }
                var start = 0
                while start <= raw.count, budget > 0 {
                    var end = start
                    while end < raw.count, unsafe base[end] != UInt8(ascii: "&") { end += 1 }
                    if end > start {
                        unsafe hashParameter(
                            base + start,
                            count: end - start,
                            basis: basis,
                            touchedCount: &touchedCount
                        )
                        budget -= 1
                    }
                    start = end + 1
                }
            }
        }
    }

    /// A body starting (after blanks) with `{`, `[` or `<` is not form data.
    static func isStructured(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<raw.count {
            let byte = unsafe raw[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): continue
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "<"): return true
            default: return false
            }
        }
        return false
    }

    /// One `name=value` pair (raw bytes): decodes it in the scratch and hashes its two tokens.
    private func hashParameter(
        _ pair: UnsafePointer<UInt8>,
        count: Int,
        basis: UInt32,
        touchedCount: inout Int
    ) {
        var equals = 0
        while equals < count, unsafe pair[equals] != UInt8(ascii: "=") { equals += 1 }
        // A piece without `=` is a bare value (`?flag`, or a payload logged without its name):
        // an empty name, so all bare values share one name and differ by their classes.
        let hasName = equals < count
        let valueStart = hasName ? equals + 1 : 0
        let rounds = configuration.maxDecodeDepth
        // The name, decoded, then hashed; the scratch is free again afterwards.
        let nameRaw = hasName ? min(equals, scratchCapacity) : 0
        unsafe scratch.update(from: pair, count: nameRaw)
        let nameCount = min(
            unsafe PercentDecoding.decode(scratch, count: nameRaw, maxRounds: rounds, plusAsSpace: true).count,
            Self.maxNameBytes
        )
        var nameHash = FeatureHash.step(basis, UInt8(ascii: "c"))
        var presence = FeatureHash.step(basis, UInt8(ascii: "n"))
        for index in 0..<nameCount {
            let byte = unsafe scratch[index]
            presence = FeatureHash.step(presence, byte)
            nameHash = FeatureHash.step(nameHash, byte)
        }
        addToken(presence, touchedCount: &touchedCount)

        // The value's character classes as a 256-bit set.
        var classes = ByteSet()
        if valueStart < count {
            let valueRaw = min(count - valueStart, scratchCapacity)
            unsafe scratch.update(from: pair + valueStart, count: valueRaw)
            let valueCount = unsafe PercentDecoding.decode(
                scratch,
                count: valueRaw,
                maxRounds: rounds,
                plusAsSpace: true
            )
            .count
            for index in 0..<valueCount { classes.insert(Self.characterClass(unsafe scratch[index])) }
        }
        let hash = classes.hashed(from: FeatureHash.step(nameHash, 0))
        addToken(hash, touchedCount: &touchedCount)
    }

    /// Lower-case letters as `a`, upper-case as `A`, digits as `0`, bytes >= 0x80 as `nonASCII`,
    /// every other byte as itself.
    @inline(__always)
    static func characterClass(_ byte: UInt8, nonASCII: UInt8 = UInt8(ascii: "u")) -> UInt8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt8(ascii: "a")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt8(ascii: "A")
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(ascii: "0")
        case 0x80...: nonASCII
        default: byte
        }
    }

    @inline(__always)
    private func addToken(_ hash: UInt32, touchedCount: inout Int) {
        tally(bucket: Int(FeatureHash.finalize(hash) & UInt32(hashedDimension - 1)), touchedCount: &touchedCount)
    }
}
