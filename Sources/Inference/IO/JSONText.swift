/// Minimal JSON text output for the line-oriented files the commands write.
public enum JSONText {
    /// `value` as a JSON string literal (or `null`), escaping quotes, backslashes and controls.
    public static func quoted(_ value: String?) -> String {
        guard let value else { return "null" }
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// The first `limit` bytes of `bytes` as a JSON string literal (invalid UTF-8 repaired).
    public static func quotedPrefix(_ bytes: UnsafeRawBufferPointer, limit: Int = 256) -> String {
        quoted(unsafe String(decoding: bytes.prefix(limit), as: UTF8.self))
    }
}
