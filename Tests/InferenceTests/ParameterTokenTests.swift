import Foundation
import Inference
import Testing

/// The `param_tokens` block of extractor `http-ngram-v2`.
@Suite struct ParameterTokenTests {
    let parser = RequestParser()

    /// Only the parameter-token block, so every non-zero hashed entry is a parameter token.
    static let tokensOnly: FeatureConfiguration = {
        var configuration = FeatureConfiguration.default
        configuration.extractor = "http-ngram-v2"
        configuration.blocks = [.init(field: "param_tokens", weight: 1)]
        return configuration
    }()

    func hashed(_ json: String, configuration: FeatureConfiguration = tokensOnly) throws -> [Float] {
        let request = ParsedRequest()
        try parser.parse(Array(json.utf8), into: request)
        let extractor = try FeatureExtractor(configuration: configuration)
        return Array(extractor.extract(request)[0..<configuration.hashedDimension])
    }

    func nonZero(_ row: [Float]) -> Set<Int> { Set(row.indices.filter { row[$0] != 0 }) }

    @Test func eachParameterGivesANameAndACharacterClassToken() throws {
        let one = try hashed(#"{"path": "/p", "query": "id=3"}"#)
        #expect(nonZero(one).count == 2)
        #expect(abs(one.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        let two = try hashed(#"{"path": "/p", "query": "id=3&name=Ana"}"#)
        #expect(nonZero(two).count == 4)
        #expect(nonZero(one).isSubset(of: nonZero(two)))
    }

    @Test func valuesOfTheSameCharacterClassesShareTheirToken() throws {
        #expect(try hashed(#"{"path": "/p", "query": "id=3"}"#) == hashed(#"{"path": "/p", "query": "id=417"}"#))
        #expect(
            try hashed(#"{"path": "/p", "query": "name=Ana+Maria"}"#)
                == hashed(#"{"path": "/p", "query": "name=Jo%20Be"}"#)
        )
    }

    @Test func aQuoteInAValueIsANewToken() throws {
        let plain = nonZero(try hashed(#"{"path": "/p", "query": "pwd=abc123"}"#))
        let quoted = nonZero(try hashed(#"{"path": "/p", "query": "pwd=abc%27123"}"#))
        #expect(plain.count == 2 && quoted.count == 2)
        #expect(plain.intersection(quoted).count == 1, "the name token is shared, the class token is not")
    }

    @Test func queryAndFormBodyAreAlike() throws {
        #expect(
            try hashed(#"{"path": "/p", "query": "a=1&b=x"}"#)
                == hashed(#"{"path": "/p", "method": "POST", "body": "a=1&b=x"}"#)
        )
    }

    @Test func structuredBodiesGiveNoTokens() throws {
        #expect(nonZero(try hashed(#"{"path": "/p", "body": "{\"a\": 1}"}"#)).isEmpty)
        #expect(nonZero(try hashed(#"{"path": "/p", "body": "  <xml a=\"1\"/>"}"#)).isEmpty)
    }

    @Test func parameterCountIsBounded() throws {
        let many = (0..<5000).map { "p\($0)=1" }.joined(separator: "&")
        let row = try hashed(#"{"path": "/p", "body": "\#(many)"}"#)
        #expect(nonZero(row).count <= 2 * 256)
        #expect(row.allSatisfy { $0.isFinite })
    }

    @Test func version1ConfigurationsComputeWhatTheyAlwaysDid() throws {
        var v2 = FeatureConfiguration.default
        v2.extractor = "http-ngram-v2"
        let json = #"{"path": "/a", "query": "q=1&r=%27x"}"#
        #expect(try hashed(json, configuration: .default) == hashed(json, configuration: v2))
    }

    @Test func parameterTokensNeedVersion2() {
        var v1 = Self.tokensOnly
        v1.extractor = "http-ngram-v1"
        #expect(throws: InferenceError.self) { try FeatureExtractor(configuration: v1) }
    }

    @Test func emptyPiecesAndBareNamesAreHandled() throws {
        let row = try hashed(#"{"path": "/p", "query": "&&a&=&b==%"}"#)
        #expect(row.allSatisfy { $0.isFinite })
        #expect(!nonZero(row).isEmpty)
    }
}

extension ParameterTokenTests {
    @Test func bareValuesShareTheEmptyName() throws {
        #expect(try hashed(#"{"path": "/p", "query": "caridad"}"#) == hashed(#"{"path": "/p", "query": "=rioja"}"#))
        #expect(try hashed(#"{"path": "/p", "query": "caridad"}"#) != hashed(#"{"path": "/p", "query": "car'dad"}"#))
    }
}
