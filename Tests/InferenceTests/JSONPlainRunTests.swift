import Testing

@testable import Inference

/// The scanner's eight-bytes-at-a-time search for the end of a plain string run, against a byte
/// loop, and the strings it reads wherever an escape, quote or cut falls in a word.
@Suite struct JSONPlainRunTests {
    /// Bytes at and around every boundary the word test has: control bytes, the space, `"`, `\`,
    /// their neighbours, and high bytes (which borrow differently).
    static let interesting: [UInt8] = [
        0x00, 0x01, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x61, 0x7F, 0x80, 0x9F, 0xA0, 0xDC,
        0xFF,
    ]

    func byteLoopEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var position = start
        while position < bytes.count, bytes[position] >= 0x20, bytes[position] != 0x22, bytes[position] != 0x5C {
            position += 1
        }
        return position
    }

    @Test func theRunEndsWhereAByteLoopStopsFromEveryStartInRandomBuffers() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...40, using: &generator)
            // Mostly plain bytes, so runs cross word boundaries; some of every interesting kind.
            let bytes: [UInt8] = (0..<length).map { _ in
                Int.random(in: 0..<6, using: &generator) == 0
                    ? Self.interesting.randomElement(using: &generator)!
                    : UInt8.random(in: 0x23...0x5B, using: &generator)
            }
            unsafe bytes.withUnsafeBytes { raw in
                for start in 0...length {
                    #expect(unsafe JSONPlainRun.end(in: raw, from: start) == byteLoopEnd(bytes, from: start))
                }
            }
        }
    }

    @Test func eachSpecialByteStopsTheRunAtEachPlaceInAWordWithEveryOtherByteAroundIt() {
        for special: UInt8 in [0x00, 0x1F, 0x22, 0x5C] {
            for other in Self.interesting where JSONPlainRun.isPlain(other) {
                for place in 0..<16 {
                    var bytes = [UInt8](repeating: other, count: 16)
                    bytes[place] = special
                    unsafe bytes.withUnsafeBytes { raw in
                        #expect(unsafe JSONPlainRun.end(in: raw, from: 0) == place)
                    }
                }
            }
        }
    }

    @Test func aPathWithAnEscapeAtEachPlaceInAWordReadsAsItsDecodedText() throws {
        let parser = RequestParser()
        for plain in 0..<20 {
            for (escape, decoded) in [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é")] {
                let body = String(repeating: "a", count: plain) + escape + String(repeating: "b", count: 19 - plain)
                let request = try parser.parse(#"{"path": "/\#(body)", "query": "q=\#(body)"}"#)
                let expected =
                    String(repeating: "a", count: plain) + decoded + String(repeating: "b", count: 19 - plain)
                #expect(request.path == "/" + expected)
                #expect(request.query == "q=" + expected)
            }
        }
    }

    @Test func aControlByteInAStringIsRefusedWhereverItFalls() {
        let parser = RequestParser()
        for plain in 0..<20 {
            let body =
                Array(#"{"path": "/"#.utf8) + [UInt8](repeating: 0x61, count: plain) + [0x09]
                + Array(#"x"}"#.utf8)
            let request = ParsedRequest()
            #expect(throws: InferenceError.self) { try parser.parse(body, into: request) }
            #expect(parser.parseReason(body.span, into: request) == .invalidJSON)
        }
    }

    @Test func aPathLongerThanItsRegionIsCutAtTheRegionWhereverTheRunStarts() throws {
        let parser = RequestParser()
        let capacity = RequestLimits.default.capacity(of: .path)
        for escapedAt in [0, 1, 7, 8, 9, capacity - 9, capacity - 2, capacity - 1, capacity, capacity + 5] {
            var text = String(repeating: "p", count: escapedAt) + #"\/"# + String(repeating: "q", count: 40)
            text = "/" + text
            let request = ParsedRequest()
            try parser.parse(Array(#"{"path": "\#(text)"}"#.utf8), into: request)
            let decoded = "/" + String(repeating: "p", count: escapedAt) + "/" + String(repeating: "q", count: 40)
            #expect(request.isTruncated(.path) == (decoded.utf8.count > capacity))
            #expect(request.string(.path) == String(decoded.prefix(capacity)))
        }
    }
}
