import Foundation
import Testing

@testable import Inference

/// How a request is cut into parts (extractor `http-parts-v3`) and what each part's row holds.
@Suite struct PartExtractorTests {
    let extractor: PartExtractor
    let parser = RequestParser()
    let request = ParsedRequest()

    init() throws { extractor = try PartExtractor() }

    /// (kind, decoded text) of every part of `input`.
    func parts(_ input: String) throws -> [(RequestPart, String)] {
        try partBytes(input).map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
    }

    /// (kind, decoded bytes) of every part of `input`.
    func partBytes(_ input: String) throws -> [(RequestPart, [UInt8])] {
        let bytes = Array(input.utf8)
        let failure = parser.parseReason(bytes.span, into: request)
        #expect(failure == nil)
        var out: [(RequestPart, [UInt8])] = []
        extractor.forEachPart(of: request) { kind, features in out.append((kind, features.withText { $0.array })) }
        return out
    }

    @Test func everyPartIsScoredOnItsOwnInAFixedOrder() throws {
        let found = try parts(
            #"{"path":"/Shop/Item%201","query":"id=42&q=red+shoes","body":"user=Bob","headers":{"User-Agent":"UA/1.0","Referer":"https://x.example/a/b?c=%3Cd%3E&e=f"}}"#
        )
        #expect(found.map(\.0) == [.path, .param, .param, .param, .names, .userAgent, .referer, .referer, .referer])
        #expect(
            found.map(\.1) == ["/shop/item 0", "00", "red shoes", "bob", "id&q&user", "ua/0.0", "/a/b", "<d>", "f"]
        )
    }

    @Test func aRequestWithNothingButAnEmptyPathStillHasOnePart() throws {
        let found = try parts(#"{"query":""}"#)
        #expect(found.map(\.0) == [.path])
    }

    @Test func aStructuredBodyIsOnePart() throws {
        let found = try parts(#"{"path":"/api","body":"{\"name\":\"x&y=z\"}"}"#)
        #expect(found.map(\.0) == [.path, .body])
        #expect(found[1].1 == #"{"name":"x&y=z"}"#)
    }

    @Test func textInAnyAlphabetCollapsesToOneSymbol() throws {
        let greek = try partBytes(#"{"path":"/%CE%B2%CE%B9%CE%B2%CE%BB%CE%AF%CE%B1"}"#)
        let japanese = try partBytes(#"{"path":"/%E6%9D%B1%E4%BA%AC%E3%83%9B"}"#)
        #expect(greek[0].1 == [UInt8(ascii: "/")] + Array(repeating: 0x80, count: 12))
        #expect(japanese[0].1 == [UInt8(ascii: "/")] + Array(repeating: 0x80, count: 9))
    }

    @Test func parametersBeyondTheBudgetFormOneLastPart() throws {
        var configuration = PartFeatureConfiguration.default
        configuration.maxParts = 6
        let small = try PartExtractor(configuration: configuration)
        let query = (1...10).map { "p\($0)=v\($0)" }.joined(separator: "&")
        let bytes = Array(#"{"path":"/","query":"\#(query)"}"#.utf8)
        _ = parser.parseReason(bytes.span, into: request)
        var kinds: [RequestPart] = []
        var last = ""
        small.forEachPart(of: request) { kind, features in
            kinds.append(kind)
            if kind == .param { last = String(decoding: features.withText { $0.array }, as: UTF8.self) }
        }
        // path, then 6 - 1 (path) - 3 (reserved) = 2 parameters, the second holding the rest.
        #expect(kinds == [.path, .param, .param, .names])
        #expect(last == "v0&p0=v0&p0=v0&p0=v0&p0=v0&p0=v0&p0=v0&p0=v0&p00=v00")
    }

    @Test func aPartRowIsUnitNGramsPlusTokens() throws {
        let bytes = Array(#"{"path":"/a"}"#.utf8)
        _ = parser.parseReason(bytes.span, into: request)
        var rows: [(indices: [Int32], values: [Float])] = []
        extractor.forEachPart(of: request) { _, features in
            rows.append((features.withIndices { $0.array }, features.withValues { $0.array }))
        }
        #expect(rows.count == 1)
        // `^/`, `^/a`, `^/a$`, `/`, `/a`, `/a$`, `a`, `a$`: 8 n-grams, then kind, length, classes.
        let (indices, values) = rows[0]
        #expect(indices.count == 8 + 3)
        let ngrams = values.prefix(8)
        let norm = ngrams.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
        #expect(values.suffix(3).allSatisfy { $0 == Float(PartFeatureConfiguration.default.tokenWeight) })
        #expect(indices.allSatisfy { $0 >= 0 && Int($0) < extractor.dimension })
    }

    @Test func jsonAndAccessLogLinesGiveTheSameParts() throws {
        let json = try parts(
            #"{"method":"GET","path":"/a.gif","query":"x=1","headers":{"User-Agent":"Mozilla/4.08","Referer":"http://r/"}}"#
        )
        let clf = try parts(
            #"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "http://r/" "Mozilla/4.08""#
        )
        #expect(json.map(\.0) == clf.map(\.0))
        #expect(json.map(\.1) == clf.map(\.1))
    }

    @Test func configurationsAreValidatedAndRoundTrip() throws {
        let json = Data(PartFeatureConfiguration.default.canonicalJSON().utf8)
        #expect(PartFeatureConfiguration.isPartConfiguration(json))
        #expect(try PartFeatureConfiguration.decode(json) == .default)
        var bad = PartFeatureConfiguration.default
        bad.hashedDimension = 1000
        #expect(throws: InferenceError.self) { try PartExtractor(configuration: bad) }
        let extra = Data(#"{"extractor":"http-parts-v3","surprise":1}"#.utf8)
        #expect(throws: InferenceError.self) { try PartFeatureConfiguration.decode(extra) }
    }
}
