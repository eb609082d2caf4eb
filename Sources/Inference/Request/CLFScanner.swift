/// A reader for one access-log line in Combined Log Format
/// (`host ident user [date] "request" status bytes "referer" "user-agent"`), or Common Log Format
/// (the same without the last two fields). Anything after the user agent is ignored.
///
/// Quoted fields (request line, referer, user agent) are unescaped as web servers write them:
/// nginx writes `"`, `\` and every byte below 0x20 or above 0x7E as `\xHH`; Apache writes `\"`,
/// `\\`, `\b`, `\n`, `\r`, `\t`, `\v` and other control bytes as `\xHH`. A `\` before any other
/// byte stands for that byte.
///
/// Implementation notes: the quoted request line is unescaped into the body region of the
/// ``ParsedRequest`` (a log line has no body), split into method, target and protocol, and the
/// region is cleared again.
@safe struct CLFScanner {
    private let bytes: UnsafeRawBufferPointer
    private let request: ParsedRequest
    private let count: Int
    private var position = 0

    @unsafe init(_ bytes: UnsafeRawBufferPointer, request: ParsedRequest) {
        unsafe self.bytes = bytes
        self.count = bytes.count
        self.request = request
    }

    private var atEnd: Bool { position >= count }
    private var current: UInt8 { unsafe bytes[position] }

    mutating func parseLine() -> RequestParseError? {
        // host ident user
        let hostStart = position
        guard skipToken() else { return .clfMalformed }
        unsafe request.store(.remoteAddress, from: UnsafeRawBufferPointer(rebasing: bytes[hostStart..<position]))
        guard skipSpaces(), skipToken(), skipSpaces(), skipToken(), skipSpaces() else { return .clfMalformed }
        // [date]
        guard !atEnd, current == UInt8(ascii: "[") else { return .clfMalformed }
        while !atEnd, current != UInt8(ascii: "]") { position += 1 }
        guard !atEnd else { return .clfMalformed }
        position += 1
        guard skipSpaces() else { return .clfMalformed }
        // "request"
        let (line, lineCapacity) = unsafe request.region(.body)
        guard let (lineCount, _) = unsafe readQuoted(into: line, capacity: lineCapacity) else { return .clfMalformed }
        guard unsafe splitRequestLine(UnsafeBufferPointer(start: line, count: lineCount)) else {
            return .clfMalformed
        }
        request.clear(.body)
        // status bytes
        guard skipSpaces(), skipToken() else { return .clfMalformed }
        if !skipSpaces() || !skipToken() { return nil }  // Common Log Format may end after status.
        // "referer" "user-agent" (optional)
        guard skipSpaces(), !atEnd, current == UInt8(ascii: "\"") else { return nil }
        guard readQuotedField(.referer) else { return .clfMalformed }
        guard skipSpaces(), !atEnd, current == UInt8(ascii: "\"") else { return nil }
        guard readQuotedField(.userAgent) else { return .clfMalformed }
        return nil
    }

    /// `METHOD target PROTOCOL`, `METHOD target` or a bare target; `-` is no request. A target
    /// with unescaped spaces keeps them (everything between the method and an `HTTP/` protocol).
    private func splitRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = line.count
        while start < end, unsafe line[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, unsafe line[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard start < end else { return false }
        var firstSpace = start
        while firstSpace < end, unsafe line[firstSpace] != UInt8(ascii: " ") { firstSpace += 1 }
        var targetStart = start
        if firstSpace < end {
            unsafe request.store(
                .method,
                from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[start..<firstSpace]))
            )
            targetStart = firstSpace
            while targetStart < end, unsafe line[targetStart] == UInt8(ascii: " ") { targetStart += 1 }
            var lastStart = end
            while lastStart > targetStart, unsafe line[lastStart - 1] != UInt8(ascii: " ") { lastStart -= 1 }
            if lastStart > targetStart, end - lastStart >= 5, unsafe line[lastStart] == UInt8(ascii: "H"),
                unsafe line[lastStart + 4] == UInt8(ascii: "/")
            {
                unsafe request.store(
                    .protocolVersion,
                    from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[lastStart..<end]))
                )
                end = lastStart
                while end > targetStart, unsafe line[end - 1] == UInt8(ascii: " ") { end -= 1 }
            }
        }
        guard targetStart < end else { return false }
        if end - targetStart == 1, unsafe line[targetStart] == UInt8(ascii: "-") { return false }
        unsafe request.store(
            .path,
            from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[targetStart..<end]))
        )
        return true
    }

    private mutating func readQuotedField(_ field: RequestField) -> Bool {
        let (destination, capacity) = unsafe request.region(field)
        guard let (count, truncated) = unsafe readQuoted(into: destination, capacity: capacity) else { return false }
        if count == 1, unsafe destination[0] == UInt8(ascii: "-") {
            request.clear(field)
        } else {
            request.commit(field, count: count, truncated: truncated)
        }
        return true
    }

    /// Reads `"..."` with the servers' escapes into `destination`; returns bytes written and truncation.
    private mutating func readQuoted(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> (Int, Bool)? {
        guard !atEnd, current == UInt8(ascii: "\"") else { return nil }
        position += 1
        var written = 0
        var truncated = false
        while !atEnd {
            var byte = current
            position += 1
            if byte == UInt8(ascii: "\"") { return (written, truncated) }
            if byte == UInt8(ascii: "\\"), !atEnd {
                let escape = current
                position += 1
                switch escape {
                case UInt8(ascii: "x"):
                    if position + 2 <= count, let high = Self.hex(current),
                        let low = Self.hex(unsafe bytes[position + 1])
                    {
                        byte = high << 4 | low
                        position += 2
                    } else {
                        byte = escape
                    }
                case UInt8(ascii: "n"): byte = 0x0A
                case UInt8(ascii: "t"): byte = 0x09
                case UInt8(ascii: "r"): byte = 0x0D
                case UInt8(ascii: "b"): byte = 0x08
                case UInt8(ascii: "v"): byte = 0x0B
                default: byte = escape
                }
            }
            if written < capacity {
                unsafe destination[written] = byte
                written += 1
            } else {
                truncated = true
            }
        }
        return nil
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Skips a run of non-space bytes; false when there is none.
    private mutating func skipToken() -> Bool {
        let start = position
        while !atEnd, current != UInt8(ascii: " "), current != UInt8(ascii: "\t") { position += 1 }
        return position > start
    }

    /// Skips a run of spaces; false when there is none or the line ends.
    private mutating func skipSpaces() -> Bool {
        let start = position
        while !atEnd, current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { position += 1 }
        return position > start && !atEnd
    }
}
