/// A bounded, allocation-free JSON reader for one request object.
///
/// Implementation notes: the scanner walks the bytes once. Strings of interest are unescaped
/// straight into their ``ParsedRequest`` field region (cut at its capacity; the rest is still
/// validated); every other value is skipped with a depth limit. Keys longer than the key scratch
/// cannot be field names and are skipped.
@safe struct JSONRequestScanner {
    private let bytes: UnsafeRawBufferPointer
    private let request: ParsedRequest
    private let maxDepth: Int
    private let count: Int
    private var position = 0
    private var error: RequestParseError?

    /// Length of the current object key in the request's key scratch; 0 when it was too long to
    /// be a field name.
    private var keyCount = 0

    @unsafe init(_ bytes: UnsafeRawBufferPointer, request: ParsedRequest, maxDepth: Int) {
        unsafe self.bytes = bytes
        self.count = bytes.count
        self.request = request
        self.maxDepth = maxDepth
    }

    private var atEnd: Bool { position >= count }
    private var current: UInt8 { unsafe bytes[position] }

    /// Parses the whole input as one request object.
    mutating func parseRequest() -> RequestParseError? {
        guard expect(UInt8(ascii: "{")) else { return error ?? .notJSONObject }
        var sawPath = false
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard readKey() else { return failure() }
                skipWhitespace()
                guard expect(UInt8(ascii: ":")) else { return failure() }
                skipWhitespace()
                guard !atEnd else { return .truncated }
                guard readMember(sawPath: &sawPath) else { return failure() }
                skipWhitespace()
                guard !atEnd else { return .truncated }
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard current == UInt8(ascii: "}") else { return .invalidJSON }
                position += 1
                break
            }
        }
        skipWhitespace()
        guard atEnd else { return .invalidJSON }
        if !request.isPresent(.path), !request.isPresent(.query) { return .missingPath }
        _ = sawPath
        return nil
    }

    private func failure() -> RequestParseError { error ?? (atEnd ? .truncated : .invalidJSON) }

    // MARK: Members

    private mutating func readMember(sawPath: inout Bool) -> Bool {
        switch member() {
        case .id: return readIdentifier()
        case .ts: return readTimestamp()
        case .method: return readStringField(.method)
        case .path:
            sawPath = true
            return readStringField(.path)
        case .query: return readStringField(.query)
        case .protocolVersion: return readStringField(.protocolVersion)
        case .body: return readStringField(.body)
        case .remoteAddress: return readStringField(.remoteAddress)
        case .source: return readStringField(.source)
        case .split: return readStringField(.split)
        case .attackType: return readStringField(.attackType)
        case .label: return readLabel()
        case .headers: return readHeaders()
        case nil: return skipValue(depth: 1)
        }
    }

    /// The members the scanner reads; everything else is skipped.
    private enum Member {
        case id, ts, method, path, query, protocolVersion, body, remoteAddress, source, split, attackType, label
        case headers
    }

    /// The current key when it is one of the names the scanner knows (compared without allocating).
    private func member() -> Member? {
        switch keyCount {
        case 2: return keyIs("id") ? .id : keyIs("ts") ? .ts : nil
        case 4: return keyIs("path") ? .path : keyIs("body") ? .body : nil
        case 5: return keyIs("query") ? .query : keyIs("split") ? .split : keyIs("label") ? .label : nil
        case 6: return keyIs("method") ? .method : keyIs("source") ? .source : nil
        case 7: return keyIs("headers") ? .headers : nil
        case 8: return keyIs("protocol") ? .protocolVersion : nil
        case 11: return keyIs("remote_addr") ? .remoteAddress : keyIs("attack_type") ? .attackType : nil
        default: return nil
        }
    }

    private func keyIs(_ name: StaticString) -> Bool {
        guard name.utf8CodeUnitCount == keyCount else { return false }
        for index in 0..<keyCount where unsafe name.utf8Start[index] != request.keyScratch[index] {
            return false
        }
        return true
    }

    private mutating func readStringField(_ field: RequestField) -> Bool {
        if current == UInt8(ascii: "\"") {
            let (destination, capacity) = unsafe request.region(field)
            guard let (count, truncated) = unsafe readString(into: destination, capacity: capacity) else {
                return false
            }
            request.commit(field, count: count, truncated: truncated)
            return true
        }
        if current == UInt8(ascii: "n") {
            request.clear(field)
            return readLiteral("null")
        }
        error = .wrongFieldType
        return false
    }

    /// An id is a string, or an integer kept as written. Only integers a 64-bit reader holds
    /// exactly: `1.5`, `1e400` or 20 digits would come out of most JSON readers as another id.
    private mutating func readIdentifier() -> Bool {
        guard current == UInt8(ascii: "-") || isDigit(current) else { return readStringField(.id) }
        let start = position
        guard skipNumber() else { return false }
        let number = unsafe UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        guard unsafe Self.isInt64(number) else {
            error = .invalidID
            return false
        }
        unsafe request.store(.id, from: number)
        return true
    }

    /// Whether `number` (valid JSON) is an integer from -2^63 to 2^63-1.
    private static func isInt64(_ number: UnsafeRawBufferPointer) -> Bool {
        let negative = unsafe number.first == UInt8(ascii: "-")
        let digits = unsafe UnsafeRawBufferPointer(rebasing: number[(negative ? 1 : 0)...])
        let limit: StaticString = negative ? "9223372036854775808" : "9223372036854775807"
        guard unsafe digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        guard digits.count == limit.utf8CodeUnitCount else { return digits.count < limit.utf8CodeUnitCount }
        // Same length: digit strings compare as their numbers.
        for index in 0..<digits.count where unsafe digits[index] != limit.utf8Start[index] {
            return unsafe digits[index] < limit.utf8Start[index]
        }
        return true
    }

    private mutating func readTimestamp() -> Bool {
        guard current == UInt8(ascii: "-") || isDigit(current) else {
            if current == UInt8(ascii: "n") { return readLiteral("null") }
            error = .wrongFieldType
            return false
        }
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        guard !leadingZero() else { return false }
        var value: Int64 = 0
        var digits = 0
        while !atEnd, isDigit(current) {
            if digits < 18 { value = value * 10 + Int64(current - UInt8(ascii: "0")) }
            digits += 1
            position += 1
        }
        guard digits > 0 else { return false }
        // A fraction or exponent is accepted and ignored.
        guard skipNumberTail() else { return false }
        request.timestamp = negative ? -value : value
        return true
    }

    private mutating func readLabel() -> Bool {
        switch current {
        case UInt8(ascii: "\""):
            guard
                let (count, truncated) = unsafe readString(
                    into: request.keyScratch,
                    capacity: ParsedRequest.keyScratchCapacity
                )
            else { return false }
            keyCount = truncated ? 0 : count
            if keyIs("attack") || keyIs("anomalous") || keyIs("malicious") || keyIs("1") {
                request.label = 1
            } else if keyIs("normal") || keyIs("benign") || keyIs("0") {
                request.label = 0
            }
            return true
        case UInt8(ascii: "t"):
            request.label = 1
            return readLiteral("true")
        case UInt8(ascii: "f"):
            request.label = 0
            return readLiteral("false")
        case UInt8(ascii: "0"), UInt8(ascii: "1"):
            request.label = current == UInt8(ascii: "1") ? 1 : 0
            return skipNumber()
        default:
            return skipValue(depth: 1)
        }
    }

    private mutating func readHeaders() -> Bool {
        if current == UInt8(ascii: "n") { return readLiteral("null") }
        guard current == UInt8(ascii: "{") else {
            error = .wrongFieldType
            return false
        }
        position += 1
        skipWhitespace()
        guard !atEnd else { return false }
        if current == UInt8(ascii: "}") {
            position += 1
            return true
        }
        while true {
            skipWhitespace()
            guard readKey() else { return false }
            skipWhitespace()
            guard expect(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard !atEnd else { return false }
            let field: RequestField? =
                keyEqualsCaseInsensitive("user-agent")
                ? .userAgent
                : (keyEqualsCaseInsensitive("referer") || keyEqualsCaseInsensitive("referrer")) ? .referer : nil
            if let field, current == UInt8(ascii: "\"") {
                guard readStringField(field) else { return false }
            } else {
                guard skipValue(depth: 2) else { return false }
            }
            skipWhitespace()
            guard !atEnd else { return false }
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard current == UInt8(ascii: "}") else { return false }
            position += 1
            return true
        }
    }

    private func keyEqualsCaseInsensitive(_ name: StaticString) -> Bool {
        guard name.utf8CodeUnitCount == keyCount else { return false }
        for index in 0..<keyCount {
            var byte = unsafe request.keyScratch[index]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if unsafe byte != name.utf8Start[index] { return false }
        }
        return true
    }

    // MARK: Lexing

    private mutating func readKey() -> Bool {
        guard !atEnd, current == UInt8(ascii: "\"") else { return false }
        guard
            let (count, truncated) = unsafe readString(
                into: request.keyScratch,
                capacity: ParsedRequest.keyScratchCapacity
            )
        else { return false }
        keyCount = truncated ? 0 : count
        return true
    }

    /// Reads the string at `position` (which is a `"`), unescaping up to `capacity` bytes into
    /// `destination` (nil: validate only). Returns the bytes written and whether the string was longer.
    private mutating func readString(
        into destination: UnsafeMutablePointer<UInt8>?,
        capacity: Int
    ) -> (Int, Bool)? {
        position += 1
        var written = 0
        var truncated = false
        while true {
            // The plain run up to the next quote, backslash or control byte, copied in one go.
            let runStart = position
            position = unsafe JSONPlainRun.end(in: bytes, from: position)
            if position > runStart {
                let room = unsafe destination == nil ? 0 : capacity - written
                let copied = min(position - runStart, max(0, room))
                if copied > 0, let destination = unsafe destination {
                    unsafe UnsafeMutableRawPointer(destination + written).copyMemory(
                        from: bytes.baseAddress! + runStart,
                        byteCount: copied
                    )
                    written += copied
                }
                if copied < position - runStart { truncated = true }
            }
            guard !atEnd else { return nil }
            let byte = current
            position += 1
            var decoded = byte
            if byte == UInt8(ascii: "\"") {
                return (written, truncated)
            } else if byte < 0x20 {
                error = .invalidJSON
                return nil
            } else if byte == UInt8(ascii: "\\") {
                guard !atEnd else { return nil }
                let escape = current
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = escape
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    guard let scalar = readUnicodeEscape() else { return nil }
                    for unit in UTF8.encode(scalar)! {
                        if written < capacity, let destination = unsafe destination {
                            unsafe destination[written] = unit
                            written += 1
                        } else {
                            truncated = true
                        }
                    }
                    continue
                default:
                    error = .invalidJSON
                    return nil
                }
            }
            if written < capacity, let destination = unsafe destination {
                unsafe destination[written] = decoded
                written += 1
            } else {
                truncated = true
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate escape after a high one. Lone surrogates
    /// become U+FFFD.
    private mutating func readUnicodeEscape() -> Unicode.Scalar? {
        guard let first = readHex4() else { return nil }
        if first >= 0xD800, first <= 0xDBFF {
            if position + 6 <= count, current == UInt8(ascii: "\\"),
                unsafe bytes[position + 1] == UInt8(ascii: "u")
            {
                let saved = position
                position += 2
                guard let second = readHex4() else { return nil }
                if second >= 0xDC00, second <= 0xDFFF {
                    return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                }
                position = saved
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    private mutating func readHex4() -> UInt32? {
        guard position + 4 <= count else {
            position = count
            return nil
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = current
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                error = .invalidJSON
                return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Skips one value of any type, refusing nesting deeper than `maxDepth`.
    private mutating func skipValue(depth: Int) -> Bool {
        guard !atEnd else { return false }
        switch current {
        case UInt8(ascii: "\""):
            let skipped = unsafe readString(into: nil, capacity: 0)
            return skipped != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = current == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            guard depth < maxDepth else {
                error = .tooDeep
                return false
            }
            position += 1
            skipWhitespace()
            guard !atEnd else { return false }
            if current == close {
                position += 1
                return true
            }
            while true {
                skipWhitespace()
                if isObject {
                    guard !atEnd, current == UInt8(ascii: "\"") else { return false }
                    guard unsafe readString(into: nil, capacity: 0) != nil else { return false }
                    skipWhitespace()
                    guard expect(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                guard !atEnd else { return false }
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard current == close else { return false }
                position += 1
                return true
            }
        case UInt8(ascii: "t"): return readLiteral("true")
        case UInt8(ascii: "f"): return readLiteral("false")
        case UInt8(ascii: "n"): return readLiteral("null")
        default: return skipNumber()
        }
    }

    private mutating func skipNumber() -> Bool {
        if !atEnd, current == UInt8(ascii: "-") { position += 1 }
        guard !leadingZero() else { return false }
        var digits = 0
        while !atEnd, isDigit(current) {
            position += 1
            digits += 1
        }
        guard digits > 0 else { return false }
        return skipNumberTail()
    }

    /// Whether the integer part at `position` is a `0` followed by digits (`0123`): not JSON (RFC
    /// 8259 section 6), and read by others as octal or as 123, so refused rather than guessed.
    private mutating func leadingZero() -> Bool {
        guard position + 1 < count, current == UInt8(ascii: "0"), unsafe isDigit(bytes[position + 1]) else {
            return false
        }
        error = .invalidJSON
        return true
    }

    /// A fraction and exponent after the integer digits.
    private mutating func skipNumberTail() -> Bool {
        if !atEnd, current == UInt8(ascii: ".") {
            position += 1
            var digits = 0
            while !atEnd, isDigit(current) {
                position += 1
                digits += 1
            }
            guard digits > 0 else { return false }
        }
        if !atEnd, current | 0x20 == UInt8(ascii: "e") {
            position += 1
            if !atEnd, current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            var digits = 0
            while !atEnd, isDigit(current) {
                position += 1
                digits += 1
            }
            guard digits > 0 else { return false }
        }
        return true
    }

    private mutating func readLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= self.count else {
            position = self.count
            return false
        }
        for index in 0..<count where unsafe bytes[position + index] != literal.utf8Start[index] {
            return false
        }
        position += count
        return true
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        guard !atEnd, current == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while !atEnd, RequestParser.isWhitespace(current) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
