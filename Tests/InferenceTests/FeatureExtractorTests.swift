import Foundation
import Inference
import Testing

@Suite struct FeatureExtractorTests {
    let parser = RequestParser()

    func features(_ json: String, extractor: FeatureExtractor? = nil) throws -> [Float] {
        let request = ParsedRequest()
        try parser.parse(Array(json.utf8), into: request)
        return try (extractor ?? FeatureExtractor()).extract(request)
    }

    @Test func sameRequestGivesTheSameVector() throws {
        let json =
            #"{"path": "/tienda1/publico/anadir.jsp", "query": "id=3&nombre=Vino+Rioja&B1=A%F1adir", "#
            + #""headers": {"user-agent": "Mozilla/5.0"}}"#
        let first = try features(json)
        let second = try features(json, extractor: FeatureExtractor())
        #expect(first == second)
        #expect(first.count == FeatureConfiguration.default.dimension)
        #expect(first.allSatisfy { $0.isFinite })
    }

    @Test func clearingOnlyTheWrittenEntriesMatchesAFullOverwrite() throws {
        let extractor = try FeatureExtractor()
        let requests = [
            #"{"path": "/search", "query": "q=' OR 1=1 UNION SELECT password FROM users--", "headers": {"User-Agent": "sqlmap"}}"#,
            #"{"path": "/index.html", "headers": {"Referer": "https://example.com/a?b=c"}}"#,
            #"{"path": "/login", "body": "user=alice&password=%2527%2520OR"}"#,
        ]
        var row = [Float](repeating: 0, count: extractor.dimension)
        var written: [Int32] = []
        for json in requests + requests.reversed() {
            let request = ParsedRequest()
            try parser.parse(Array(json.utf8), into: request)
            var span = row.mutableSpan
            extractor.extract(request, into: &span, clearing: &written)
            #expect(row == extractor.extract(request), "\(json)")
            #expect(written == extractor.withWrittenIndices { $0.array })
        }
    }

    @Test func knownNGramLandsInItsBucket() throws {
        // FNV-1a from the block basis (seed bytes little-endian, then block index + 1), MurmurHash3 fmix32.
        func step(_ h: UInt32, _ b: UInt8) -> UInt32 { (h ^ UInt32(b)) &* 16_777_619 }
        var basis: UInt32 = 2_166_136_261
        let seed = FeatureConfiguration.default.seed
        for shift: UInt32 in [0, 8, 16, 24] { basis = step(basis, UInt8(truncatingIfNeeded: seed >> shift)) }
        basis = step(basis, 1)  // block 0 = path
        var h = step(basis, UInt8(ascii: "a"))
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        let bucket = Int(h & 4095)
        // "/a" has the n-grams "/", "a" and "/a": three buckets of log1p(1), normalised to weight 1.
        let row = try features(#"{"path": "/a"}"#)
        #expect(abs(row[bucket] - 1 / Float(3).squareRoot()) < 1e-6)
        let hashed = row[0..<4096]
        #expect(abs(hashed.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
    }

    /// The bucket of `gram` in hashed block `block` of the default configuration (4,096 buckets).
    func bucket(of gram: String, block: UInt8) -> Int {
        func step(_ h: UInt32, _ b: UInt8) -> UInt32 { (h ^ UInt32(b)) &* 16_777_619 }
        var h: UInt32 = 2_166_136_261
        let seed = FeatureConfiguration.default.seed
        for shift: UInt32 in [0, 8, 16, 24] { h = step(h, UInt8(truncatingIfNeeded: seed >> shift)) }
        h = step(h, block + 1)
        for byte in gram.utf8 { h = step(h, byte) }
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        return Int(h & 4095)
    }

    @Test func countsAboveTwoHundredFiftyFiveStayExact() throws {
        // "/" + 1,000 × "a" (default configuration: 1- to 3-grams): "a" and "aaa" occur 1,000 and
        // 998 times, far past the byte counter's 255, so their log1p values keep their exact ratio.
        let row = try features(#"{"path": "/\#(String(repeating: "a", count: 1000))"}"#)
        let one = row[bucket(of: "a", block: 0)]
        let three = row[bucket(of: "aaa", block: 0)]
        let expected = Foundation.log1p(Float(1000)) / Foundation.log1p(Float(998))
        #expect(one > 0 && three > 0)
        #expect(abs(one / three - expected) < 1e-5, "ratio \(one / three), expected \(expected)")
        // An extractor that already counted a long field starts the next request from zero.
        let extractor = try FeatureExtractor()
        _ = try features(#"{"path": "/\#(String(repeating: "a", count: 1000))"}"#, extractor: extractor)
        #expect(try features(#"{"path": "/a"}"#, extractor: extractor) == features(#"{"path": "/a"}"#))
    }

    @Test func dotWithoutARowEqualsTheRowTimesTheWeights() throws {
        let extractor = try FeatureExtractor()
        var generator = SystemRandomNumberGenerator()
        let weights = (0..<extractor.dimension).map { _ in Float.random(in: -1...1, using: &generator) }
        let requests = [
            #"{"path": "/search", "query": "q=' OR 1=1 UNION SELECT password FROM users--", "headers": {"User-Agent": "sqlmap"}}"#,
            #"{"path": "/index.html", "headers": {"Referer": "https://example.com/a?b=c"}}"#,
            #"{"path": "/login", "body": "user=alice&password=%2527%2520OR"}"#,
            #"{"path": "/\#(String(repeating: "ab", count: 700))", "query": "x=\#(String(repeating: "%41", count: 300))"}"#,
            #"{"path": "/"}"#,
        ]
        #expect(extractor.scoresWithoutRow)
        for json in requests + requests.reversed() {
            let request = ParsedRequest()
            try parser.parse(Array(json.utf8), into: request)
            let row = extractor.extract(request)
            let expected = zip(row, weights).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let dot = extractor.dot(request, weights: weights.span)
            #expect(abs(dot - expected) <= 1e-5 * max(1, abs(expected)), "\(json): \(dot) vs \(expected)")
        }
    }

    @Test func memoisedHeaderSharesEqualCountedOnes() throws {
        let extractor = try FeatureExtractor()
        let counting = try FeatureExtractor()
        var generator = SystemRandomNumberGenerator()
        func randomWeights() -> [Float] {
            (0..<extractor.dimension).map { _ in Float.random(in: -1...1, using: &generator) }
        }
        let firstWeights = randomWeights()
        let secondWeights = randomWeights()
        let agents = [
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", "curl/8.4.0", "", String(repeating: "A", count: 300),
        ]
        let referers = ["https://shop.example/", "https://shop.example/cart?id=1", ""]
        var requests: [String] = []
        for (index, agent) in agents.enumerated() {
            for referer in referers {
                requests.append(
                    #"{"path": "/p\#(index)", "query": "q=\#(index)", "headers": {"User-Agent": "\#(agent)", "Referer": "\#(referer)"}}"#
                )
            }
        }
        // Twice over with one key, then with other weights under a new key: every value must be
        // the counted one, and repeated headers must come from the memo.
        for (weights, key) in [(firstWeights, UInt64.max - 1), (firstWeights, .max - 1), (secondWeights, .max)] {
            for json in requests {
                let request = ParsedRequest()
                try parser.parse(Array(json.utf8), into: request)
                let memoised = extractor.dot(request, weights: weights.span, cacheKey: key)
                let counted = counting.dot(request, weights: weights.span)
                #expect(abs(memoised - counted) <= 1e-5 * max(1, abs(counted)), "\(json)")
            }
        }
        #expect(counting.headerMemoHits == 0)
        // 3 passes × 12 requests × 2 header blocks; the 300-byte agent is too long to keep.
        #expect(extractor.headerMemoHits + extractor.headerMemoMisses == 3 * 12 * 2 - 3 * 3)
        #expect(extractor.headerMemoHits >= 12 * 2 - 3 + 12 * 2 - 3 - 3)
    }

    @Test func explanationTermsAddUpToTheDecisionAndNameTheNGrams() throws {
        let extractor = try FeatureExtractor()
        let dimension = extractor.dimension
        // Weights that reward exactly one n-gram of the params block ("union"'s "uni") and one
        // numeric feature: the explanation must put them first, with their text.
        var weights = [Float](repeating: 0.001, count: dimension)
        weights[bucket(of: "uni", block: 1)] = 5
        weights[dimension - extractor.configuration.numericFeatures.count] = 3  // path_length
        let request = ParsedRequest()
        try parser.parse(
            Array(
                #"{"path": "/search", "query": "q=1 union select password from users", "headers": {"User-Agent": "curl/8"}}"#
                    .utf8
            ),
            into: request
        )
        let all = extractor.explain(request, weights: weights.span, limit: .max)
        let dot = extractor.dot(request, weights: weights.span)
        #expect(abs(all.reduce(0) { $0 + $1.contribution } - dot) <= 1e-4 * max(1, abs(dot)))
        let top = Array(all.prefix(2))
        #expect(top.contains { $0.block == "params" && $0.feature == "uni" }, "\(top)")
        #expect(top.contains { $0.block == "numeric" && $0.feature == "path_length" }, "\(top)")
        // The extractor is left clean: the next request's features are unaffected.
        try parser.parse(Array(#"{"path": "/a"}"#.utf8), into: request)
        #expect(extractor.extract(request) == (try features(#"{"path": "/a"}"#)))
    }

    @Test func percentDecodingIsRepeatedAndBounded() throws {
        let plain = try features(#"{"path": "/", "query": "q=' or 1=1"}"#)
        let once = try features(#"{"path": "/", "query": "q=%27%20or%201=1"}"#)
        let twice = try features(#"{"path": "/", "query": "q=%2527%2520or%25201=1"}"#)
        let depth = NumericFeature.encodingDepth.rawValue + 4096
        #expect(Array(plain[0..<4096]) == Array(once[0..<4096]))
        #expect(Array(once[0..<4096]) == Array(twice[0..<4096]))
        #expect(plain[depth] == 0)
        #expect(once[depth] > 0)
        #expect(twice[depth] > once[depth])
        // Four rounds of encoding exceed max_decode_depth 3: the last %25 stays.
        let fourTimes = try features(#"{"path": "/", "query": "q=%25252527"}"#)
        let quote = try features(#"{"path": "/", "query": "q='"}"#)
        #expect(Array(fourTimes[0..<4096]) != Array(quote[0..<4096]))
    }

    @Test func caseAndDigitsAreNormalised() throws {
        let a = try features(#"{"path": "/Shop/Item", "query": "id=123"}"#)
        let b = try features(#"{"path": "/shop/item", "query": "id=987"}"#)
        #expect(Array(a[0..<4096]) == Array(b[0..<4096]))
    }

    @Test func ignoresHostCookieAndOtherHeaders() throws {
        let a = try features(#"{"path": "/x", "headers": {"host": "a", "cookie": "JSESSIONID=1", "accept": "*/*"}}"#)
        let b = try features(#"{"path": "/x", "headers": {"host": "b", "cookie": "JSESSIONID=2"}}"#)
        #expect(a == b)
    }

    @Test func jsonAndCombinedLogFormatGiveTheSameFeatures() throws {
        let json = try features(
            #"{"method": "GET", "path": "/a.gif", "query": "x=1", "headers": {"user-agent": "Mozilla/4.08", "referer": "http://r/"}}"#
        )
        let clf = try features(
            #"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "http://r/" "Mozilla/4.08""#
        )
        #expect(json == clf)
    }

    @Test func configurationRoundTripsThroughCanonicalJSON() throws {
        let json = FeatureConfiguration.default.canonicalJSON()
        let decoded = try FeatureConfiguration.decode(Data(json.utf8))
        #expect(decoded == .default)
        #expect(decoded.canonicalJSON() == json)
    }

    @Test func refusesConfigurationsItDoesNotImplement() throws {
        var other = FeatureConfiguration.default
        other.extractor = "http-ngram-v0"
        #expect(throws: InferenceError.self) { try FeatureExtractor(configuration: other) }
        other = .default
        other.hashedDimension = 1000
        #expect(throws: InferenceError.self) { try FeatureExtractor(configuration: other) }
        let unknownKey = FeatureConfiguration.default.canonicalJSON().replacingOccurrences(
            of: "{\"blocks\"",
            with: "{\"x\":1,\"blocks\""
        )
        #expect(throws: InferenceError.self) { try FeatureConfiguration.decode(Data(unknownKey.utf8)) }
    }

    @Test func contentGroupIgnoresCookies() throws {
        let request = ParsedRequest()
        try parser.parse(Array(#"{"method": "GET", "path": "/a", "headers": {"cookie": "1"}}"#.utf8), into: request)
        let first = FeatureExtractor.contentGroupText(of: request)
        try parser.parse(Array(#"{"method": "GET", "path": "/a", "headers": {"cookie": "2"}}"#.utf8), into: request)
        #expect(FeatureExtractor.contentGroupText(of: request) == first)
        #expect(first.count == 16)
    }
}
