/// Turns one message value into a request: a JSON object (the input contract or a row of the
/// offline data set schema) or a Combined Log Format line.
///
/// The parser is total: any byte sequence gives either a request or a typed
/// ``RequestParseError``, in time linear in the input and in the fixed memory of the
/// ``ParsedRequest`` it fills. Fields other than those of ``RequestField`` are skipped.
///
/// ```swift
/// let parser = RequestParser()
/// let request = ParsedRequest()
/// try parser.parse(bytes, into: request)   // no allocation on success
/// ```
public struct RequestParser: Sendable {
    /// The caps the parser enforces on top of the ``ParsedRequest`` field capacities.
    public let limits: RequestLimits

    public init(limits: RequestLimits = .default) {
        self.limits = limits
    }

    /// Parses `input` into `request`, replacing what it held.
    ///
    /// - Parameters:
    ///   - input: the message value (UTF-8).
    ///   - request: reusable storage; on failure it holds an unspecified partial request.
    /// - Throws: ``InferenceError`` with code ``InferenceError/Code/malformedRequest`` and a
    ///   ``RequestParseError`` reason.
    public func parse(_ input: Span<UInt8>, into request: ParsedRequest) throws(InferenceError) {
        if let error = parseReason(input, into: request) {
            throw InferenceError.malformedRequest(error)
        }
    }

    /// Parses `input` into `request`; returns why it failed, or `nil` on success. Does not allocate.
    public func parseReason(_ input: Span<UInt8>, into request: ParsedRequest) -> RequestParseError? {
        unsafe input.withUnsafeBytes { bytes in unsafe parseReason(bytes, into: request) }
    }

    /// ``parseReason(_:into:)`` over the bytes themselves: the scanners read them through pointers.
    func parseReason(_ input: UnsafeRawBufferPointer, into request: ParsedRequest) -> RequestParseError? {
        request.reset()
        guard input.count <= limits.maxInputBytes else { return .tooLarge }
        let start = unsafe Self.contentStart(input)
        var end = input.count
        while end > start, Self.isWhitespace(unsafe input[end - 1]) { end -= 1 }
        guard start < end else { return .empty }
        guard unsafe UTF8Validation.isValid(input) else { return .invalidUTF8 }
        let trimmed = unsafe UnsafeRawBufferPointer(rebasing: input[start..<end])
        let error: RequestParseError?
        switch unsafe trimmed[0] {
        case UInt8(ascii: "{"):
            request.format = .json
            var scanner = unsafe JSONRequestScanner(trimmed, request: request, maxDepth: limits.maxJSONDepth)
            error = scanner.parseRequest()
        case UInt8(ascii: "["), UInt8(ascii: "\""):
            error = .notJSONObject
        default:
            request.format = .combinedLogFormat
            var scanner = unsafe CLFScanner(trimmed, request: request)
            error = scanner.parseLine()
        }
        if let error { return error }
        Self.normalizeTarget(request)
        return nil
    }

    /// Where the text starts: after a leading byte-order mark, which is not part of the text (RFC
    /// 8259 section 8.1 lets parsers ignore it; editors and some Windows producers write one), and
    /// after whitespace.
    static func contentStart(_ input: UnsafeRawBufferPointer) -> Int {
        var start =
            unsafe input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF ? 3 : 0
        while start < input.count, Self.isWhitespace(unsafe input[start]) { start += 1 }
        return start
    }

    /// The byte that chooses the text format (`{`: a JSON object, anything else an access-log
    /// line), as ``parseReason(_:into:)`` sees it; nil when there is only whitespace.
    public static func formatByte(of input: Span<UInt8>) -> UInt8? {
        unsafe input.withUnsafeBytes { bytes in
            let start = unsafe contentStart(bytes)
            return start < bytes.count ? unsafe bytes[start] : nil
        }
    }

    /// Parses a copy of `input`; convenient offline and in tests.
    public func parse(_ input: some Collection<UInt8>, into request: ParsedRequest) throws(InferenceError) {
        let contiguous = input.withContiguousStorageIfAvailable { buffer in
            unsafe parseReason(UnsafeRawBufferPointer(buffer), into: request)
        }
        let reason: RequestParseError?
        if let contiguous {
            reason = contiguous
        } else {
            reason = unsafe Array(input).withUnsafeBytes { bytes in unsafe parseReason(bytes, into: request) }
        }
        if let reason { throw InferenceError.malformedRequest(reason) }
    }

    /// Parses `input` into a new ``HTTPRequest``. Allocates.
    public func parse(_ input: String) throws(InferenceError) -> HTTPRequest {
        let request = ParsedRequest(limits: limits)
        try parse(Array(input.utf8), into: request)
        return HTTPRequest(request)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
