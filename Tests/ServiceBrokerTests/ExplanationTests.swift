import Foundation
import Kafka
import Service
import TestSupport
import Testing

/// `serve --explain`: anomalous predictions carry their largest terms, named.
@Suite(.timeLimit(.minutes(2)))
struct ExplanationTests {
    @Test func anomalousPredictionsCarryTheirTopTermsAndOthersNone() throws {
        var fixture = try PipelineFixture(partitions: 1, consumers: 1, workers: 1)
        fixture.configuration.model = TestModel.defaultModel
        let requests = [
            #"{"id":"attack","path":"/search","query":"q=' UNION SELECT username, password FROM users--"}"#,
            #"{"id":"benign","method":"GET","path":"/tienda1/publico/vaciar.jsp","query":"B2=Vaciar+carrito"}"#,
        ]
        try fixture.send(requests.map { Array($0.utf8) })
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(
                model: try fixture.configuration.loadModel(),
                maxBatch: 8,
                options: ProcessorOptions(explain: 5)
            )
        )
        try pipeline.start()
        let predictions = try fixture.read(fixture.configuration.output, atLeast: requests.count)
        #expect(pipeline.stop(timeoutSeconds: 20))
        var byID: [String: [String: Any]] = [:]
        for message in predictions {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            byID[try #require(json["id"] as? String)] = json
        }
        let attack = try #require(byID["attack"])
        #expect(attack["anomalous"] as? Bool == true)
        let terms = try #require(attack["explanation"] as? [[String: Any]])
        #expect(terms.count == 5)
        let contributions = terms.compactMap { $0["contribution"] as? Double }
        #expect(contributions.count == 5 && contributions == contributions.sorted(by: >) && contributions[0] > 0)
        #expect(terms.allSatisfy { ($0["block"] as? String)?.isEmpty == false && $0["feature"] is String })
        print("explanation of the attack: \(terms.map { "\($0["block"]!):\($0["feature"]!)=\($0["contribution"]!)" })")
        let benign = try #require(byID["benign"])
        #expect(benign["anomalous"] as? Bool == false)
        #expect(benign["explanation"] == nil)
    }
}
