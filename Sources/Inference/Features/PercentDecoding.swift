/// Bounded, in-place percent-decoding (`%XX`, IIS-style `%uXXXX`, and `+` as space in form data).
enum PercentDecoding {
    /// Decodes `bytes[0..<count]` in place up to `maxRounds` times (stopping when a round changes
    /// nothing). Decoding only shrinks, so the buffer never overflows.
    ///
    /// - Returns: the decoded length and the number of rounds that decoded an escape.
    static func decode(
        _ bytes: UnsafeMutablePointer<UInt8>,
        count: Int,
        maxRounds: Int,
        plusAsSpace: Bool
    ) -> (count: Int, rounds: Int) {
        var count = count
        var rounds = 0
        for round in 0..<maxRounds {
            let (decoded, changed) = unsafe decodeOnce(bytes, count: count, plusAsSpace: plusAsSpace && round == 0)
            count = decoded
            guard changed else { break }
            rounds += 1
        }
        return (count, rounds)
    }

    /// One pass; `changed` is whether a `%` escape was decoded (`+` alone does not count).
    private static func decodeOnce(
        _ bytes: UnsafeMutablePointer<UInt8>,
        count: Int,
        plusAsSpace: Bool
    ) -> (Int, Bool) {
        var read = 0
        var write = 0
        var changed = false
        while read < count {
            let byte = unsafe bytes[read]
            if byte == UInt8(ascii: "%") {
                if read + 2 < count, let high = hex(unsafe bytes[read + 1]), let low = hex(unsafe bytes[read + 2]) {
                    unsafe bytes[write] = high << 4 | low
                    write += 1
                    read += 3
                    changed = true
                    continue
                }
                if read + 5 < count, unsafe bytes[read + 1] | 0x20 == UInt8(ascii: "u"),
                    let a = hex(unsafe bytes[read + 2]), let b = hex(unsafe bytes[read + 3]),
                    let c = hex(unsafe bytes[read + 4]), let d = hex(unsafe bytes[read + 5])
                {
                    let scalar = UInt32(a) << 12 | UInt32(b) << 8 | UInt32(c) << 4 | UInt32(d)
                    for unit in UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}")! {
                        unsafe bytes[write] = unit
                        write += 1
                    }
                    read += 6
                    changed = true
                    continue
                }
            }
            unsafe bytes[write] = plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte
            write += 1
            read += 1
        }
        return (write, changed)
    }

    @inline(__always)
    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
