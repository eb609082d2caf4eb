/// Minimal JSON text output for the line-oriented files the commands write and for predictions.
public enum JSONText {
    /// `value` as a JSON string literal (or `null`), escaping quotes, backslashes and controls.
    public static func quoted(_ value: String?) -> String {
        guard var value else { return "null" }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 2)
        value.withUTF8 { bytes in unsafe appendQuoted(bytes, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first `limit` bytes of `bytes` as a JSON string literal (invalid UTF-8 repaired).
    public static func quotedPrefix(_ bytes: Span<UInt8>, limit: Int = 256) -> String {
        quoted(
            unsafe bytes.withUnsafeBufferPointer { bytes in unsafe String(decoding: bytes.prefix(limit), as: UTF8.self)
            }
        )
    }

    /// Appends `bytes` as a JSON string literal: quotes, backslashes and control characters
    /// escaped; invalid UTF-8 is repaired (U+FFFD) first so the output is always valid JSON.
    public static func appendQuoted(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        unsafe bytes.withUnsafeBufferPointer { bytes in unsafe appendQuoted(bytes, to: &out) }
    }

    /// ``appendQuoted(_:to:)`` over a buffer.
    static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard unsafe UTF8Validation.isValid(UnsafeRawBufferPointer(bytes)) else {
            var repaired = unsafe String(decoding: bytes, as: UTF8.self)
            repaired.withUTF8 { valid in unsafe appendQuoted(valid, to: &out) }
            return
        }
        out.append(UInt8(ascii: "\""))
        // Ids, topics and most values need no escape: one copy instead of a check per byte.
        guard unsafe JSONPlainRun.end(in: UnsafeRawBufferPointer(bytes), from: 0) < bytes.count else {
            unsafe out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return
        }
        for index in 0..<bytes.count {
            let byte = unsafe bytes[index]
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the decimal digits of `value`.
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var length = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        // Room first, then the digits from the last: one append instead of one per digit and a
        // reversal of a slice (which copied the whole array: about 15% of a prediction's encoding).
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: length))
        unsafe out.withUnsafeMutableBufferPointer { buffer in
            var index = start + length - 1
            repeat {
                unsafe buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                index -= 1
            } while magnitude > 0
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
