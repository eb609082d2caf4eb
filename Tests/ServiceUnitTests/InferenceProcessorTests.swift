import Foundation
import Inference
import Kafka
import Service
import Testing

/// The processor without a broker: every record gets one output, in order, and the score in each
/// prediction is the model's decision value, whichever scoring path the kernel takes.
@Suite struct InferenceProcessorTests {
    static let requests = [
        #"{"id": "a", "path": "/search", "query": "q=' OR 1=1 UNION SELECT password FROM users--"}"#,
        #"{"id": "b", "path": "/index.html", "headers": {"User-Agent": "Mozilla/5.0"}}"#,
        "not a request",
        #"{"id": "c", "path": "/login", "method": "POST", "body": "user=alice&pwd=%27x"}"#,
        #"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "http://r/" "Mozilla/4.08""#,
        #"{"path": "/p", "query": "a=1&b=2&c=<script>"}"#,
    ]

    static func model(_ kernel: SVMKernel, name: String = "p") -> SVMModel {
        var configuration = FeatureConfiguration.default
        configuration.extractor = "http-ngram-v2"
        configuration.blocks.append(.init(field: "param_tokens", weight: 1.5))
        var generator = SystemRandomNumberGenerator()
        let dimension = configuration.dimension
        let random = { (count: Int) in (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        return kernel == .linear
            ? SVMModel(
                name: name,
                version: "1",
                kernel: .linear,
                intercept: 0.1,
                dimension: dimension,
                weights: random(dimension),
                featureConfiguration: configuration
            )
            : SVMModel(
                name: name,
                version: "1",
                kernel: .rbf,
                gamma: 0.3,
                intercept: 0.1,
                dimension: dimension,
                supportVectors: random(5 * dimension).map(abs),
                dualCoefficients: random(5),
                featureConfiguration: configuration
            )
    }

    @Test(arguments: [SVMKernel.linear, .rbf], [1, 4, 64])
    func predictionsCarryTheModelsDecisionValues(kernel: SVMKernel, maxBatch: Int) throws {
        let model = Self.model(kernel)
        let processor = try InferenceProcessor(model: model, maxBatch: maxBatch)
        let extractor = try FeatureExtractor(configuration: model.featureConfiguration())
        let reference = ReferenceScorer(model: model)
        let inputs = (0..<3).flatMap { round in
            Self.requests.enumerated().map { index, text in
                InputRecord(
                    message: KafkaMessage(
                        topic: "requests",
                        partition: 0,
                        offset: Int64(round * 10 + index),
                        key: nil,
                        value: Array(text.utf8)
                    ),
                    ticket: .init(rawValue: UInt(round * 10 + index)),
                    receivedNanoseconds: 0
                )
            }
        }
        var outputs: [OutputRecord] = []
        processor.process(inputs, into: &outputs)
        // One output per input (dead letters come out as soon as parsing fails, predictions after
        // their micro-batch is scored).
        #expect(outputs.map(\.ticket.rawValue).sorted() == inputs.map(\.ticket.rawValue))
        let outputByTicket = Dictionary(uniqueKeysWithValues: outputs.map { ($0.ticket, $0) })
        for input in inputs {
            let output = try #require(outputByTicket[input.ticket])
            let request = ParsedRequest()
            guard (try? RequestParser().parse(input.message.value, into: request)) != nil else {
                #expect(output.destination == .deadLetter)
                continue
            }
            let json = try #require(JSONSerialization.jsonObject(with: Data(output.value ?? [])) as? [String: Any])
            let score = try #require((json["score"] as? NSNumber)?.doubleValue)
            let expected = reference.decision(extractor.extract(request))
            #expect(
                abs(score - expected) <= 1e-4 * abs(expected) + 1e-4,
                "\(String(decoding: input.message.value, as: UTF8.self))"
            )
        }
    }
}
