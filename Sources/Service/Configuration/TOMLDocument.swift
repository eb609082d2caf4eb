import Foundation
import Kafka

/// The subset of TOML a service configuration file needs, parsed strictly.
///
/// Supported: `key = value` lines with bare or quoted keys (dotted keys are taken literally when
/// quoted), `[table]` and `[table.sub]` headers, basic strings with escapes, literal strings,
/// integers (with `_` separators), floats, booleans, one-line arrays of those, and `#` comments.
/// Anything else (inline tables, multi-line strings, dates) is refused with the line number, so a
/// typo never passes silently.
public struct TOMLDocument: Sendable, Equatable {
    enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])

        var description: String {
            switch self {
            case .string(let text): text
            case .integer(let number): String(number)
            case .float(let number): String(number)
            case .boolean(let flag): String(flag)
            case .array(let values): values.map(\.description).joined(separator: ",")
            }
        }
    }

    /// Entries by full key: table path and key joined with `.` (a quoted key keeps its dots).
    private(set) var entries: [(key: String, value: Value, line: Int)] = []

    subscript(key: String) -> Value? { entries.last(where: { $0.key == key })?.value }

    public static func == (lhs: TOMLDocument, rhs: TOMLDocument) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Parses `text`; `source` names the file in errors.
    package init(parsing text: String, source: String = "configuration") throws(ServiceError) {
        var table: [String] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var cursor = Cursor(Array(rawLine.utf8), source: source, line: lineNumber)
            cursor.skipSpace()
            if cursor.atEndOrComment { continue }
            if cursor.peek == UInt8(ascii: "[") {
                table = try cursor.tableHeader()
                continue
            }
            let keyPath = try cursor.keyPath()
            cursor.skipSpace()
            try cursor.expect(UInt8(ascii: "="))
            cursor.skipSpace()
            let fullKey = (table + keyPath).joined(separator: ".")
            // A secret's text never appears in an error, only its key.
            cursor.hidesText = KafkaConfiguration.isSensitive(fullKey)
            let value = try cursor.value()
            cursor.skipSpace()
            guard cursor.atEndOrComment else { throw cursor.error("unexpected text after the value") }
            guard seen.insert(fullKey).inserted else { throw cursor.error("key '\(fullKey)' is defined twice") }
            entries.append((fullKey, value, lineNumber))
        }
    }

    /// The largest configuration file read: a real one is a few KB, and a file is read whole.
    public static let maxFileBytes = 1 << 20

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ServiceError`` ``ServiceError/Code/configuration`` naming the file when it cannot
    ///   be read, is a directory, is over ``maxFileBytes``, is not UTF-8 or does not parse.
    public init(contentsOfFile path: String) throws(ServiceError) {
        try self.init(parsing: Self.readText(path), source: path)
    }

    private static func readText(_ path: String) throws(ServiceError) -> String {
        // Reading a directory fails with a bare "error 256": say what it is instead (resource
        // values describe a link itself, so resolve links first).
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        if let kind = try? resolved.resourceValues(forKeys: [.isDirectoryKey, .isRegularFileKey]) {
            if kind.isDirectory == true {
                throw .configuration("cannot read configuration file '\(path)': is a directory")
            }
            if kind.isRegularFile == false {
                throw .configuration("cannot read configuration file '\(path)': not a regular file")
            }
        }
        let data: Data?
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            guard size <= UInt64(maxFileBytes) else {
                throw ServiceError.configuration(
                    "configuration file '\(path)' is \(size) bytes, over the limit of \(maxFileBytes) bytes (1 MiB)"
                )
            }
            try handle.seek(toOffset: 0)
            data = try handle.read(upToCount: maxFileBytes)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .configuration("cannot read configuration file '\(path)': \(error.localizedDescription)")
        }
        guard let text = String(data: data ?? Data(), encoding: .utf8) else {
            throw .configuration("configuration file '\(path)' is not UTF-8 text")
        }
        return text
    }
}

/// A position in one line of TOML.
private struct Cursor {
    let bytes: [UInt8]
    let source: String
    let line: Int
    var position = 0
    /// Whether errors leave out the value's text (the key may name a secret).
    var hidesText = false

    init(_ bytes: [UInt8], source: String, line: Int) {
        self.bytes = bytes.last == UInt8(ascii: "\r") ? Array(bytes.dropLast()) : bytes
        self.source = source
        self.line = line
    }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

    func error(_ message: String) -> ServiceError {
        .configuration("\(source):\(line): \(message)")
    }

    mutating func skipSpace() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(ServiceError) {
        guard peek == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    mutating func tableHeader() throws(ServiceError) -> [String] {
        try expect(UInt8(ascii: "["))
        guard peek != UInt8(ascii: "[") else { throw error("arrays of tables are not supported") }
        skipSpace()
        let path = try keyPath()
        skipSpace()
        try expect(UInt8(ascii: "]"))
        skipSpace()
        guard atEndOrComment else { throw error("unexpected text after the table header") }
        return path
    }

    mutating func keyPath() throws(ServiceError) -> [String] {
        var parts = [try key()]
        skipSpace()
        while peek == UInt8(ascii: ".") {
            position += 1
            skipSpace()
            parts.append(try key())
            skipSpace()
        }
        return parts
    }

    mutating func key() throws(ServiceError) -> String {
        if peek == UInt8(ascii: "\"") { return try basicString() }
        if peek == UInt8(ascii: "'") { return try literalString() }
        let start = position
        while let byte = peek, isBareKeyByte(byte) { position += 1 }
        guard position > start else { throw error("expected a key") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func value() throws(ServiceError) -> TOMLDocument.Value {
        switch peek {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): throw error("inline tables are not supported; use a [table] header")
        case nil: throw error("missing value")
        default: return try scalar()
        }
    }

    mutating func array() throws(ServiceError) -> TOMLDocument.Value {
        try expect(UInt8(ascii: "["))
        var values: [TOMLDocument.Value] = []
        while true {
            skipSpace()
            if peek == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            }
            values.append(try value())
            skipSpace()
            if peek == UInt8(ascii: ",") {
                position += 1
            } else if peek != UInt8(ascii: "]") {
                throw error("expected ',' or ']' in array (arrays must fit on one line)")
            }
        }
    }

    mutating func scalar() throws(ServiceError) -> TOMLDocument.Value {
        let start = position
        while let byte = peek,
            byte != UInt8(ascii: ",") && byte != UInt8(ascii: "]") && byte != UInt8(ascii: "#")
                && byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t")
        {
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        let digits = text.replacingUnderscores()
        if let integer = Int64(digits) { return .integer(integer) }
        if let float = Double(digits), !text.isEmpty { return .float(float) }
        throw error("\(hidesText ? "the value" : "'\(text)'") is not a TOML value (strings need quotes)")
    }

    mutating func literalString() throws(ServiceError) -> String {
        try expect(UInt8(ascii: "'"))
        let start = position
        while let byte = peek, byte != UInt8(ascii: "'") { position += 1 }
        guard peek == UInt8(ascii: "'") else { throw error("unterminated string") }
        defer { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func basicString() throws(ServiceError) -> String {
        try expect(UInt8(ascii: "\""))
        var result: [UInt8] = []
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw error("unterminated escape") }
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): result.append(escaped)
                case UInt8(ascii: "u"):
                    let end = position + 4
                    guard end <= bytes.count,
                        let scalarValue = UInt32(String(decoding: bytes[position..<end], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(scalarValue)
                    else { throw error("invalid \\u escape") }
                    result.append(contentsOf: Array(String(Character(scalar)).utf8))
                    position = end
                default:
                    throw error(
                        hidesText ? "unknown escape" : "unknown escape '\\\(Character(Unicode.Scalar(escaped)))'"
                    )
                }
            default:
                result.append(byte)
            }
        }
        throw error("unterminated string")
    }

    private func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
