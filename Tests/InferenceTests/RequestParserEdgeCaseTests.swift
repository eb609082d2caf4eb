import Inference
import Testing

/// JSON and UTF-8 edge cases: what an id may be, byte-order marks, cuts.
@Suite struct RequestParserEdgeCaseTests {
    let parser = RequestParser()

    func reason(_ input: String) -> RequestParseError? {
        do {
            _ = try parser.parse(input)
            return nil
        } catch {
            return error.requestParseError
        }
    }

    @Test(arguments: [
        (#"{"id": "r-1", "path": "/"}"#, "r-1"),
        (#"{"id": 42, "path": "/"}"#, "42"),
        (#"{"id": 0, "path": "/"}"#, "0"),
        (#"{"id": -7, "path": "/"}"#, "-7"),
        (#"{"id": 9223372036854775807, "path": "/"}"#, "9223372036854775807"),
        (#"{"id": -9223372036854775808, "path": "/"}"#, "-9223372036854775808"),
    ])
    func anIdIsAStringOrA64BitIntegerKeptAsWritten(input: String, id: String) throws {
        #expect(try parser.parse(input).id == id)
    }

    @Test(arguments: [
        #"{"id": 1.5, "path": "/"}"#,
        #"{"id": 1e400, "path": "/"}"#,
        #"{"id": 1E2, "path": "/"}"#,
        #"{"id": 9223372036854775808, "path": "/"}"#,
        #"{"id": -9223372036854775809, "path": "/"}"#,
        #"{"id": 123456789012345678901234567890, "path": "/"}"#,
    ])
    func aNumericIdThatIsNotA64BitIntegerIsRefusedAsInvalidID(input: String) {
        #expect(reason(input) == .invalidID)
    }

    @Test(arguments: [
        #"{"id": 0123, "path": "/"}"#,
        #"{"id": -01, "path": "/"}"#,
        #"{"ts": 00, "path": "/"}"#,
        #"{"path": "/", "extra": [1, 007]}"#,
    ])
    func numbersWithLeadingZerosAreNotJSON(input: String) {
        #expect(reason(input) == .invalidJSON)
    }

    @Test func aLeadingByteOrderMarkIsIgnored() throws {
        let request = ParsedRequest()
        try parser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"id": "bom", "path": "/a"}"#.utf8), into: request)
        #expect(request.format == .json)
        #expect(request.string(.id) == "bom")
        #expect(request.string(.path) == "/a")
    }

    @Test func aByteOrderMarkAloneIsEmpty() {
        let request = ParsedRequest()
        #expect(parser.parseReason([0xEF, 0xBB, 0xBF, 0x20].span, into: request) == .empty)
    }

    @Test func aLongIdIsCutOnACharacterBoundary() throws {
        let capacity = RequestLimits.default.capacity(of: .id)
        // 255 ASCII bytes, then a 2-byte character across the cut at 256.
        let id = String(repeating: "a", count: capacity - 1) + "é" + "tail"
        let request = ParsedRequest()
        try parser.parse(Array(#"{"id": "\#(id)", "path": "/"}"#.utf8), into: request)
        #expect(request.isTruncated(.id))
        #expect(request.count(of: .id) == capacity - 1)
        #expect(request.string(.id) == String(repeating: "a", count: capacity - 1))
    }

    @Test func aCutKeepsACharacterThatEndsExactlyAtTheLimit() throws {
        let capacity = RequestLimits.default.capacity(of: .id)
        let id = String(repeating: "a", count: capacity - 4) + "😀" + "b"
        let request = ParsedRequest()
        try parser.parse(Array(#"{"id": "\#(id)", "path": "/"}"#.utf8), into: request)
        #expect(request.count(of: .id) == capacity)
        #expect(request.string(.id)?.hasSuffix("😀") == true)
        let escaped = String(repeating: "a", count: capacity - 2) + #"\ud83d\ude00"#
        try parser.parse(Array(#"{"id": "\#(escaped)", "path": "/"}"#.utf8), into: request)
        #expect(request.count(of: .id) == capacity - 2)
        #expect(request.string(.id)?.contains("\u{FFFD}") == false)
    }
}
