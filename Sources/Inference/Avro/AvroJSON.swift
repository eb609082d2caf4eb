/// A JSON value as an Avro schema needs it: object members in written order (a record's fields
/// are a list, and a default's members are matched by name), numbers kept as written (an `int`
/// default must be an integer in 32 bits, which a `Double` would not tell).
///
/// ``JSONValue`` (FoundationEssentials' decoder) loses member order and recurses without a bound
/// a schema author controls, so schemas get this reader instead.
indirect enum AvroJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text, as written (valid JSON grammar).
    case number(String)
    case string(String)
    case array([AvroJSON])
    case object([(String, AvroJSON)])

    static func == (lhs: AvroJSON, rhs: AvroJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The value of member `key` of an object (the first one), or nil.
    subscript(key: String) -> AvroJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The number as an integer when it is one written without fraction or exponent and fits.
    var integerValue: Int64? {
        guard case .number(let text) = self else { return nil }
        return Int64(text)
    }

    /// The number as a `Double` (any JSON number).
    var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    /// For messages: the JSON kind.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads JSON text into an ``AvroJSON`` with a nesting limit, so a hostile `[[[[...` costs a
/// refusal, not the stack.
struct AvroJSONReader {
    private let bytes: [UInt8]
    private let maxDepth: Int
    private var position = 0

    init(_ bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The one value the text holds.
    /// - Throws: ``InferenceError/Code/invalidSchema`` naming the byte offset of the problem.
    mutating func readDocument() throws(InferenceError) -> AvroJSON {
        skipWhitespace()
        let value = try readValue(depth: 1)
        skipWhitespace()
        guard position == bytes.count else { throw failure("unexpected text after the schema") }
        return value
    }

    private func failure(_ what: String) -> InferenceError {
        .invalidSchema("schema is not valid JSON: \(what) at byte \(position)")
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(InferenceError) {
        guard current == byte else {
            throw failure(current == nil ? "the text ends early" : "expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    private mutating func readValue(depth: Int) throws(InferenceError) -> AvroJSON {
        guard let byte = current else { throw failure("the text ends early") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth <= maxDepth else {
                throw .invalidSchema("schema is nested too deeply: more than \(maxDepth) levels of JSON")
            }
            return byte == UInt8(ascii: "{") ? try readObject(depth: depth) : try readArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        default: return .number(try readNumber())
        }
    }

    private mutating func readObject(depth: Int) throws(InferenceError) -> AvroJSON {
        position += 1
        var members: [(String, AvroJSON)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members.append((key, try readValue(depth: depth + 1)))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    private mutating func readArray(depth: Int) throws(InferenceError) -> AvroJSON {
        position += 1
        var elements: [AvroJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        }
    }

    private mutating func readLiteral(_ literal: String) throws(InferenceError) {
        for unit in literal.utf8 {
            guard current == unit else { throw failure("invalid literal") }
            position += 1
        }
    }

    private mutating func readNumber() throws(InferenceError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        while let byte = current, isDigit(byte) { position += 1 }
        let integerDigits = position - integerStart
        guard integerDigits > 0 else { throw failure("invalid value") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
            throw failure("a number with a leading zero")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard try digits() > 0 else { throw failure("a fraction without digits") }
        }
        if let byte = current, byte | 0x20 == UInt8(ascii: "e") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard try digits() > 0 else { throw failure("an exponent without digits") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func digits() throws(InferenceError) -> Int {
        let start = position
        while let byte = current, isDigit(byte) { position += 1 }
        return position - start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func readString() throws(InferenceError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        var text = ""
        func flush(_ end: Int) {
            if end > runStart { text += String(decoding: bytes[runStart..<end], as: UTF8.self) }
        }
        while true {
            guard let byte = current else { throw failure("a string does not end") }
            if byte == UInt8(ascii: "\"") {
                flush(position)
                position += 1
                return text
            }
            if byte < 0x20 { throw failure("a control character in a string") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flush(position)
            position += 1
            guard let escape = current else { throw failure("a string does not end") }
            position += 1
            scalars.removeAll()
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escape))
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let first = try readHex4()
                if first >= 0xD800, first <= 0xDBFF, current == UInt8(ascii: "\\"),
                    position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
                {
                    position += 2
                    let second = try readHex4()
                    if second >= 0xDC00, second <= 0xDFFF {
                        scalars.append(Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!)
                    } else {
                        scalars.append("\u{FFFD}")
                        scalars.append(Unicode.Scalar(second) ?? "\u{FFFD}")
                    }
                } else {
                    scalars.append(Unicode.Scalar(first) ?? "\u{FFFD}")
                }
            default: throw failure("an invalid escape in a string")
            }
            text.unicodeScalars.append(contentsOf: scalars)
            runStart = position
        }
    }

    private mutating func readHex4() throws(InferenceError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = CLFScanner.hex(byte) else { throw failure("an invalid \\u escape") }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
