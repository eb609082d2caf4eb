/// Finds where a run of plain JSON string bytes ends, eight bytes at a time.
///
/// A plain byte is one a JSON string holds as itself: not `"`, not `\` and not a control byte
/// (below 0x20). Bytes of 0x80 and above are plain here: UTF-8 is validated over the whole input
/// before the scanner runs. Request strings (paths, queries, user agents) are mostly plain, so the
/// scanner copies such a run in one go instead of testing each byte in turn (it was the parser's
/// largest cost: 18% of the samples of a `perf` profile of `e2e-bench engine-cost`, before this).
/// ``JSONText`` asks it too, whether a string it writes needs any escape at all.
enum JSONPlainRun {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let quotes: UInt64 = 0x2222_2222_2222_2222
    private static let backslashes: UInt64 = 0x5C5C_5C5C_5C5C_5C5C
    private static let spaces: UInt64 = 0x2020_2020_2020_2020

    /// The position of the first byte from `start` on that is not plain, or `bytes.count`.
    @inline(__always)
    static func end(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var position = start
        let count = bytes.count
        while position + 8 <= count {
            let word = UInt64(littleEndian: unsafe bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let special = specialBytes(word)
            if special != 0 { return position + special.trailingZeroBitCount / 8 }
            position += 8
        }
        while position < count, isPlain(unsafe bytes[position]) { position += 1 }
        return position
    }

    /// The high bit of each byte of `word` (little-endian) that is `"`, `\` or below 0x20, and
    /// possibly of bytes after the first such one; the lowest set bit is always exact.
    ///
    /// `(v - 0x01…) & ~v & 0x80…` flags a zero byte of `v`, `(v - 0x20…) & ~v & 0x80…` a byte below
    /// 0x20 (Anderson's "Bit Twiddling Hacks"). A byte is flagged wrongly only when a borrow comes
    /// from a lower byte, which happens only below a byte that is flagged rightly.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let quote = word ^ quotes
        let backslash = word ^ backslashes
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- spaces) & ~word
        return (zeroQuote | zeroBackslash | control) & highBits
    }

    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }
}
