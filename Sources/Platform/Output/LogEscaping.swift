extension StringProtocol {
    /// The text made safe for one log line: control characters (C0, DEL, C1), the backslash and
    /// Unicode's bidirectional overrides are written as escapes (`\n`, `\r`, `\t`, `\\`, `\u{1b}`).
    ///
    /// For every value a log line takes from a file or from input (a model's name and version, a
    /// librdkafka message, an error naming a file's contents): raw, a newline forges a second log
    /// line and an ANSI sequence repaints the operator's terminal. The backslash is escaped too, so
    /// a literal `\n` in the value stays distinguishable from an escaped newline.
    public var escapedForLog: String {
        var escaped = ""
        escaped.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case "\\": escaped += "\\\\"
            case "\u{0}"..."\u{1f}", "\u{7f}"..."\u{9f}", "\u{202a}"..."\u{202e}", "\u{2066}"..."\u{2069}":
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
