import Foundation
import Testing

@testable import Inference

/// The part scorer's header memo changes nothing: a request scores, decides and is categorised and
/// explained the same whether its user agent and referer were counted or looked up.
@Suite struct PartScorerTests {
    static let requests: [String] = [
        #"{"path":"/","headers":{"User-Agent":"sqlmap/1.6.12#stable (https://sqlmap.org)"}}"#,
        #"{"path":"/shop","query":"q=shoes","headers":{"User-Agent":"Mozilla/5.0 (X11; Linux x86_64)","Referer":"https://a.example/x?y=%3Cscript%3Ealert(1)%3C%2Fscript%3E"}}"#,
        #"{"path":"/item","query":"id=1%27+OR+%271%27%3D%271","headers":{"User-Agent":"Mozilla/5.0 (X11; Linux x86_64)"}}"#,
        #"{"path":"/","headers":{"Referer":"https://a.example/x?y=%3Cscript%3Ealert(1)%3C%2Fscript%3E"}}"#,
    ]

    struct Answer: Equatable {
        var verdict: PartVerdict
        var category: Int?
        var explanation: [FeatureContribution]
    }

    func answers(_ scorer: PartScorer, rounds: Int) throws -> [Answer] {
        let parser = RequestParser()
        let request = ParsedRequest()
        var out: [Answer] = []
        for _ in 0..<rounds {
            for json in Self.requests {
                let bytes = Array(json.utf8)
                #expect(parser.parseReason(bytes.span, into: request) == nil)
                let verdict = scorer.score(request)
                out.append(
                    Answer(verdict: verdict, category: scorer.category(), explanation: scorer.explanation(limit: 4))
                )
            }
        }
        return out
    }

    @Test func memoisedHeadersScoreDecideAndExplainAsCountedOnes() throws {
        let model = try SVMModel(contentsOf: DetectionRegressionTests.defaultModel)
        let scorer = try PartScorer(model: model)
        let all = try answers(scorer, rounds: 3)
        let first = Array(all.prefix(Self.requests.count))
        #expect(scorer.headerMemo.hits > 0)
        for round in 1..<3 {
            #expect(Array(all[(round * Self.requests.count)..<((round + 1) * Self.requests.count)]) == first)
        }
        // And as a scorer that never saw them.
        #expect(try answers(PartScorer(model: model), rounds: 1) == first)
        #expect(first[0].verdict.part == .userAgent)
        #expect(first[3].verdict.part == .referer)
    }
}
