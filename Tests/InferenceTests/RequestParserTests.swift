import Inference
import Testing

@Suite struct RequestParserTests {
    let parser = RequestParser()

    @Test func parsesTheContractObject() throws {
        let request = try parser.parse(
            #"{"id": "r-1", "ts": 1732540800123, "method": "GET", "path": "/search", "query": "q=shoes", "#
                + #""protocol": "HTTP/1.1", "headers": {"User-Agent": "curl/8", "Host": "x", "Referer": "http://r/"}, "#
                + #""body": "a=1", "remote_addr": "203.0.113.9", "extra": [1, {"x": null}]}"#
        )
        #expect(request.id == "r-1")
        #expect(request.timestamp == 1_732_540_800_123)
        #expect(request.method == "GET")
        #expect(request.path == "/search")
        #expect(request.query == "q=shoes")
        #expect(request.protocolVersion == "HTTP/1.1")
        #expect(request.userAgent == "curl/8")
        #expect(request.referer == "http://r/")
        #expect(request.body == "a=1")
        #expect(request.remoteAddress == "203.0.113.9")
        #expect(request.isAttack == nil)
    }

    @Test func parsesADataSetRowWithLabelAndLowerCaseHeaders() throws {
        let request = try parser.parse(
            #"{"id": "csic:1", "source": "csic2010", "kind": "raw_http", "split": "test", "method": "POST", "#
                + #""path": "/tienda1/index.jsp", "query": "", "headers": {"user-agent": "Mozilla", "cookie": "J=1"}, "#
                + #""body": "id=2%2F", "label": "attack", "attack_type": null, "meta": {"a": [true, false]}}"#
        )
        #expect(request.source == "csic2010")
        #expect(request.split == "test")
        #expect(request.isAttack == true)
        #expect(request.attackType == nil)
        #expect(request.userAgent == "Mozilla")
        #expect(request.body == "id=2%2F")
    }

    @Test func acceptsAPayloadRowWithNullPathAsQuery() throws {
        let request = try parser.parse(#"{"path": null, "query": "1 or sleep(5)#", "label": "normal"}"#)
        #expect(request.path == nil)
        #expect(request.query == "1 or sleep(5)#")
        #expect(request.isAttack == false)
    }

    @Test func decodesJSONEscapesIncludingSurrogatePairs() throws {
        let request = try parser.parse(#"{"path": "/a\"b\\c\u00e9\ud83d\ude00\ud800x\n"}"#)
        #expect(request.path == "/a\"b\\cé😀\u{FFFD}x\n")
    }

    @Test func splitsATargetAndDropsSchemeAndHost() throws {
        #expect(try parser.parse(#"{"path": "/a?b=1"}"#).query == "b=1")
        let absolute = try parser.parse(#"{"path": "http://localhost:8080/tienda1/x.jsp?a=1"}"#)
        #expect(absolute.path == "/tienda1/x.jsp")
        #expect(absolute.query == "a=1")
        #expect(try parser.parse(#"{"path": "https://host"}"#).path == "/")
    }

    @Test func parsesCombinedLogFormat() throws {
        let request = try parser.parse(
            #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "http://r/" "Mozilla/4.08""#
        )
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.method == "GET")
        #expect(request.path == "/a.gif")
        #expect(request.query == "x=1")
        #expect(request.protocolVersion == "HTTP/1.0")
        #expect(request.referer == "http://r/")
        #expect(request.userAgent == "Mozilla/4.08")
    }

    @Test func parsesCommonLogFormatAndApacheEscapes() throws {
        let common = try parser.parse(#"h - - [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/1.1" 401 -"#)
        #expect(common.path == "/login")
        #expect(common.userAgent == nil)
        let escaped = try parser.parse(
            #"h - - [d] "GET /x?q=\"a\\b\x41 HTTP/1.1" 200 1 "-" "ua \"quoted\"""#
        )
        #expect(escaped.query == "q=\"a\\bA")
        #expect(escaped.referer == nil)
        #expect(escaped.userAgent == "ua \"quoted\"")
    }

    @Test func parsesNginxHexEscapesAndApacheControlEscapes() throws {
        // nginx: `"`, `\` and bytes outside 0x20-0x7E as \xHH, in the request line, referer and agent.
        let nginx = try parser.parse(
            #"h - - [d] "GET /search?q=\x22><img\x5Cx=\xC3\xA9 HTTP/1.1" 200 1 "https://r/\x22" "ua\x22 \x09x""#
        )
        #expect(nginx.path == "/search")
        #expect(nginx.query == "q=\"><img\\x=é")
        #expect(nginx.referer == "https://r/\"")
        #expect(nginx.userAgent == "ua\" \tx")
        let apache = try parser.parse(#"h - - [d] "GET /a\r\b\v\n HTTP/1.1" 200 1 "-" "-""#)
        #expect(apache.path == "/a\r\u{8}\u{b}\n")
    }

    @Test(arguments: [
        ("", RequestParseError.empty),
        ("   \n", .empty),
        ("{", .truncated),
        (#"{"path": "/a""#, .truncated),
        (#"{"path": "/a"} x"#, .invalidJSON),
        (#"{"path": 3}"#, .wrongFieldType),
        (#"{"method": "GET"}"#, .missingPath),
        (#"["/a"]"#, .notJSONObject),
        ("GET /a HTTP/1.1", .clfMalformed),
        (#"h - - [d] "-" 400 0"#, .clfMalformed),
        (#"h - - [d "GET / HTTP/1.1" 200 1"#, .clfMalformed),
    ])
    func refusesMalformedInputWithATypedReason(input: String, expected: RequestParseError) {
        #expect(throws: InferenceError.self) { try parser.parse(input) }
        do {
            _ = try parser.parse(input)
        } catch {
            #expect(error.code == .malformedRequest)
            #expect(error.requestParseError == expected)
        }
    }

    @Test func refusesInvalidUTF8() {
        let request = ParsedRequest()
        for bytes: [UInt8] in [
            [0x7B, 0x22, 0xFF, 0x22, 0x7D], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0, 0],
        ] {
            #expect(throws: InferenceError.self) { try parser.parse(bytes, into: request) }
        }
    }

    @Test func refusesDeepNestingAndOversizedInput() {
        let deep =
            #"{"x": "# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #", "path": "/"}"#
        #expect(throws: InferenceError.self) { try parser.parse(deep) }
        let request = ParsedRequest()
        let huge = [UInt8](repeating: 0x20, count: RequestLimits.default.maxInputBytes + 1)
        #expect(throws: InferenceError.self) { try parser.parse(huge, into: request) }
    }

    @Test func cutsLongFieldsToABoundedPrefix() throws {
        let body = String(repeating: "a", count: 1 << 20)
        let request = ParsedRequest()
        try parser.parse(Array(#"{"path": "/", "body": "\#(body)"}"#.utf8), into: request)
        #expect(request.count(of: .body) == RequestLimits.default.capacity(of: .body))
        #expect(request.isTruncated(.body))
        #expect(!request.isTruncated(.path))
    }

    @Test func neverCrashesOnRandomOrTruncatedInput() {
        var generator = SplitMix64(seed: 42)
        let request = ParsedRequest()
        let samples = [
            #"{"id": "r", "path": "/a?b=%27or%201=1", "headers": {"User-Agent": "x\u0041"}, "label": "attack"}"#,
            #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a?x=1 HTTP/1.0" 200 2326 "http://r/" "Mozilla/4.08""#,
        ].map { Array($0.utf8) }
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 64)
            let random = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if (try? parser.parse(random, into: request)) != nil { parsed += 1 }
        }
        for sample in samples {
            for cut in 0...sample.count {
                _ = try? parser.parse(sample[0..<cut], into: request)
                var mutated = sample
                mutated[Int(generator.next() % UInt64(sample.count))] = UInt8(truncatingIfNeeded: generator.next())
                _ = try? parser.parse(mutated, into: request)
            }
        }
        #expect(parsed >= 0)
    }
}

/// A small deterministic generator for the fuzz-style tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
