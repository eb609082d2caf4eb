import Platform

extension TOMLDocument {
    /// The line on which each key of a TOML text is defined, found by reading table headers and
    /// the key before each `=`: TOMLKit gives values without their positions, and an error that
    /// names `serve.toml:12` saves the operator a search.
    ///
    /// Only for messages: a key it cannot place (inside a multi-line string, say) gets line 0, and
    /// the error names the file and key without a line.
    struct KeyLines: Sendable {
        private var lineOfPath: [[String]: Int] = [:]
        private var pathOfLine: [Int: [String]] = [:]
        private let lines: [Substring]

        init(_ text: String) {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var table: [String] = []
            var insideMultiLineString = false
            for (index, raw) in lines.enumerated() {
                let number = index + 1
                var scanner = Scanner(Array(raw.utf8))
                let opensOrCloses = scanner.countsMultiLineQuotes
                if insideMultiLineString {
                    if opensOrCloses % 2 == 1 { insideMultiLineString = false }
                    continue
                }
                if opensOrCloses % 2 == 1 { insideMultiLineString = true }
                scanner.skipSpace()
                if scanner.peek == UInt8(ascii: "[") {
                    scanner.position += 1
                    if scanner.peek == UInt8(ascii: "[") { scanner.position += 1 }
                    scanner.skipSpace()
                    guard let header = scanner.keyPath() else { continue }
                    table = header
                    record(header, number)
                } else if let key = scanner.keyPath() {
                    scanner.skipSpace()
                    guard scanner.peek == UInt8(ascii: "=") else { continue }
                    record(table + key, number)
                }
            }
        }

        private mutating func record(_ path: [String], _ line: Int) {
            if lineOfPath[path] == nil { lineOfPath[path] = line }
            pathOfLine[line] = path
        }

        /// The line defining `path`, or of the nearest enclosing key or table that has one; 0: unknown.
        func line(of path: [String]) -> Int {
            var prefix = path
            while !prefix.isEmpty {
                if let line = lineOfPath[prefix] { return line }
                prefix.removeLast()
            }
            return 0
        }

        /// Line `line`'s text without surrounding spaces, cut to 120 characters and escaped for a
        /// log (empty when there is no such line).
        func text(ofLine line: Int) -> String {
            guard line >= 1 && line <= lines.count else { return "" }
            let text = String(lines[line - 1].trimmingWhitespace)
            return String(text.prefix(120)).escapedForLog
        }

        /// The key path defined on `line`, if any.
        func path(onLine line: Int) -> [String]? { pathOfLine[line] }
    }

    /// A position in one line: just enough TOML to read a key path.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        /// How many `"""` or `'''` the line has: an odd count opens or closes a multi-line string.
        var countsMultiLineQuotes: Int {
            var count = 0
            var index = 0
            while index + 2 < bytes.count {
                let byte = bytes[index]
                if (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) && bytes[index + 1] == byte
                    && bytes[index + 2] == byte
                {
                    count += 1
                    index += 3
                } else {
                    index += 1
                }
            }
            return count
        }

        mutating func skipSpace() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
        }

        /// Dotted key parts: bare, "basic" (escapes kept as written) or 'literal'.
        mutating func keyPath() -> [String]? {
            var parts: [String] = []
            while true {
                skipSpace()
                guard let part = key() else { return nil }
                parts.append(part)
                skipSpace()
                guard peek == UInt8(ascii: ".") else { return parts }
                position += 1
            }
        }

        private mutating func key() -> String? {
            guard let first = peek else { return nil }
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                position += 1
                let start = position
                while let byte = peek, byte != first {
                    position += byte == UInt8(ascii: "\\") && first == UInt8(ascii: "\"") ? 2 : 1
                }
                guard peek == first else { return nil }
                defer { position += 1 }
                return String(decoding: bytes[start..<position], as: UTF8.self)
            }
            let start = position
            while let byte = peek, Self.isBareKeyByte(byte) { position += 1 }
            return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
        }

        private static func isBareKeyByte(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
    }
}
