import Foundation
import Kafka
import Service
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(3)))
struct InferencePipelineTests {
    @Test func everyRequestGetsOneContractPredictionOrADeadLetterWithItsReason() throws {
        var fixture = try PipelineFixture(partitions: 3, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        fixture.configuration.maxBatch = 16

        var values: [[UInt8]] = []
        var expected: [String: Expectation] = [:]  // by key
        for index in 0..<30 {
            values.append(Array(#"{"id":"benign-\#(index)","path":"/search","query":"q=shoes&page=\#(index)"}"#.utf8))
            expected["k-\(values.count - 1)"] = .prediction(id: "benign-\(index)", anomalous: false)
        }
        for index in 0..<30 {
            values.append(
                Array(#"{"path":"/search","query":"q=' OR 1=1 UNION SELECT password FROM users-- \#(index)"}"#.utf8)
            )
            expected["k-\(values.count - 1)"] = .prediction(id: nil, anomalous: true)
        }
        for index in 0..<10 {
            let line =
                #"203.0.113.\#(index) - - [10/Oct/2000:13:55:36 -0700] "GET /search?q=shoes HTTP/1.1" 200 2326 "-" "Mozilla/5.0""#
            values.append(Array(line.utf8))
            expected["k-\(values.count - 1)"] = .prediction(id: nil, anomalous: false)
        }
        let garbage: [([UInt8], String)] = [
            ([], "empty"), ([0xFF, 0xFE, 0x00, 0x41], "invalidUTF8"), (Array(#"{"path": "/a""#.utf8), "truncated"),
            (Array("[1,2]".utf8), "notJSONObject"), (Array(#"{"path": 7}"#.utf8), "wrongFieldType"),
            (Array(#"{"method":"GET"}"#.utf8), "missingPath"), (Array("hello world".utf8), "clfMalformed"),
        ]
        for (value, reason) in garbage {
            values.append(value)
            expected["k-\(values.count - 1)"] = .deadLetter(reason: reason)
        }
        try fixture.send(values)

        let model = try fixture.configuration.loadModel()
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: model, maxBatch: fixture.configuration.maxBatch)
        )
        try pipeline.start()
        let predictions = try fixture.read(fixture.configuration.output, atLeast: 70)
        let deadLetters = try fixture.read(fixture.configuration.deadLetter, atLeast: garbage.count)
        #expect(pipeline.stop(timeoutSeconds: 20))

        #expect(predictions.count == 70)
        #expect(deadLetters.count == garbage.count)
        let inputs = try fixture.read(fixture.configuration.input, atLeast: values.count)
        let inputByKey = Dictionary(
            uniqueKeysWithValues: inputs.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0) }
        )

        for message in predictions {
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            guard case .prediction(let id, let anomalous) = try #require(expected[key]) else {
                Issue.record("\(key) should have been dead-lettered")
                continue
            }
            let input = try #require(inputByKey[key])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            #expect(json["id"] as? String == id ?? "\(input.topic)/\(input.partition)/\(input.offset)")
            #expect(
                json["anomalous"] as? Bool == anomalous,
                "\(key): \(String(decoding: message.value, as: UTF8.self))"
            )
            let score = try #require(json["score"] as? Double)
            let threshold = try #require(json["threshold"] as? Double)
            #expect((score > threshold) == (json["anomalous"] as? Bool))
            #expect(json["model"] as? String == "service-test@1")
            let source = try #require(json["source"] as? [String: Any])
            #expect(source["topic"] as? String == input.topic)
            #expect(source["partition"] as? Int == Int(input.partition))
            #expect(source["offset"] as? Int == Int(input.offset))
        }
        for message in deadLetters {
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            guard case .deadLetter(let reason) = try #require(expected[key]) else {
                Issue.record("\(key) should have had a prediction")
                continue
            }
            let input = try #require(inputByKey[key])
            #expect(message.value == input.value, "a dead letter keeps the original bytes")
            let headers = Dictionary(
                uniqueKeysWithValues: message.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) }
            )
            #expect(headers[DeadLetterHeader.error] == reason)
            #expect(headers[DeadLetterHeader.detail]?.isEmpty == false)
            #expect(headers[DeadLetterHeader.sourceTopic] == input.topic)
            #expect(headers[DeadLetterHeader.sourcePartition] == String(input.partition))
            #expect(headers[DeadLetterHeader.sourceOffset] == String(input.offset))
        }
        let counts = pipeline.counters.snapshot
        #expect(counts.predicted == 70 && counts.deadLettered == garbage.count && counts.anomalous == 30)
    }
}

enum Expectation {
    case prediction(id: String?, anomalous: Bool)
    case deadLetter(reason: String)
}
