#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Text helpers that full Foundation has and FoundationEssentials does not (`String(format:)`,
// `trimmingCharacters(in:)`): either would link Foundation and, with it, ICU (tens of MB) into
// the binary.

extension String {
    /// `value` with `decimals` digits after the point, right-aligned in at least `width`
    /// characters: byte for byte what `printf("%*.*f", width, decimals, value)` writes (and so
    /// what Foundation's `String(format: "%6.2f", value)` wrote), including `inf` and `nan`.
    ///
    /// - Parameters:
    ///   - decimals: digits after the point, `0...64`.
    ///   - width: the least number of characters; shorter text is padded with spaces on the left.
    public init(_ value: Double, decimals: Int, width: Int = 0) {
        precondition((0...64).contains(decimals), "decimals \(decimals) outside 0...64")
        let arguments: [any CVarArg] = [Int32(clamping: width), Int32(decimals), value]
        // The length first, then the text: %f of a large value has hundreds of digits.
        let length = unsafe withVaList(arguments) { list in unsafe vsnprintf(nil, 0, "%*.*f", list) }
        precondition(length >= 0, "vsnprintf failed")
        var bytes = [CChar](repeating: 0, count: Int(length) + 1)
        _ = unsafe bytes.withUnsafeMutableBufferPointer { buffer in
            unsafe withVaList(arguments) { list in
                unsafe vsnprintf(buffer.baseAddress!, buffer.count, "%*.*f", list)
            }
        }
        self = String(decoding: bytes[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `value` right-aligned in at least `width` characters, as `printf("%*d", width, value)`.
    public init(_ value: Int, width: Int) {
        let digits = String(value)
        self = String(repeating: " ", count: Swift.max(0, width - digits.count)) + digits
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (`Character.isWhitespace`: spaces, tabs,
    /// line breaks and the other Unicode white space).
    public var trimmingWhitespace: SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return self[first...last]
    }
}
