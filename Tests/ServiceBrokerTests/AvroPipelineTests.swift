import Foundation
import Inference
import Kafka
import SchemaRegistry
import Service
import TestSupport
import Testing

/// Avro requests in the Confluent wire format through the whole pipeline, with the development
/// registry over loopback HTTP and the embedded broker over TCP.
@Suite(.timeLimit(.minutes(3)))
struct AvroPipelineTests {
    static let subject = "requests-value"
    /// The reference schema with a field added at the end, with a default: what a producer's
    /// compatible evolution registers as version 2.
    static let secondSchema =
        String(AvroRequestSchema.json.dropLast(2)) + #",{"name":"tenant","type":"string","default":"t0"}]}"#

    static func wire(_ id: UInt32, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        ConfluentWireFormat.appendHeader(schemaID: id, to: &out)
        return out + body
    }

    static func request(_ id: String, query: String) -> HTTPRequest {
        HTTPRequest(id: id, method: "GET", path: "/search", query: query, userAgent: "Mozilla/5.0")
    }

    static func headers(of message: KafkaMessage) -> [String: String] {
        Dictionary(message.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) }) { first, _ in
            first
        }
    }

    @Test func recordsOfTwoWriterSchemasAreAnsweredAndBadOnesDeadLetteredWithTheirSchemaID() throws {
        var fixture = try PipelineFixture(partitions: 3, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        let registry = SchemaRegistryServer(port: 0)
        try registry.start()
        defer { registry.stop() }
        let client = try SchemaRegistryClient(
            configuration: SchemaRegistryConfiguration(urls: [try #require(registry.url)])
        )
        let first = try client.register(subject: Self.subject, schema: AvroRequestSchema.json)
        let second = try client.register(subject: Self.subject, schema: Self.secondSchema)
        #expect(first != second)

        var values: [[UInt8]] = []
        var headers: [[KafkaHeader]] = []
        var expected: [String: Expectation] = [:]
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        for index in 0..<20 {
            values.append(
                Self.wire(first, AvroRequestSchema.encode(Self.request("v1-\(index)", query: "q=shoes&page=\(index)")))
            )
            headers.append(index % 2 == 0 ? [KafkaHeader(name: "traceparent", string: traceparent)] : [])
            expected["k-\(values.count - 1)"] = .prediction(id: "v1-\(index)", anomalous: false)
        }
        for index in 0..<20 {
            let attack = Self.request(
                "v1-attack-\(index)",
                query: "q=' OR 1=1 UNION SELECT password FROM users-- \(index)"
            )
            values.append(Self.wire(first, AvroRequestSchema.encode(attack)))
            headers.append([])
            expected["k-\(values.count - 1)"] = .prediction(id: "v1-attack-\(index)", anomalous: true)
        }
        for index in 0..<20 {
            var body = AvroRequestSchema.encode(Self.request("v2-\(index)", query: "q=boots&page=\(index)"))
            AvroBinary.appendString("acme", to: &body)
            values.append(Self.wire(second, body))
            headers.append([])
            expected["k-\(values.count - 1)"] = .prediction(id: "v2-\(index)", anomalous: false)
        }
        // JSON beside Avro: input-format auto tells them apart by the first byte.
        values.append(Array(#"{"id":"json-1","path":"/search","query":"q=hats"}"#.utf8))
        headers.append([])
        expected["k-\(values.count - 1)"] = .prediction(id: "json-1", anomalous: false)
        let valid = values.count
        let truncated = Array(Self.wire(first, AvroRequestSchema.encode(Self.request("cut", query: "q=x"))).dropLast(3))
        let garbage: [([UInt8], String, UInt32?)] = [
            (truncated, AvroRefusal.avroMalformed, first),
            (
                Self.wire(first, AvroRequestSchema.encode(Self.request("extra", query: "q=x")) + [7, 7]),
                AvroRefusal.avroMalformed, first
            ),
            (
                Self.wire(9_999, AvroRequestSchema.encode(Self.request("unknown", query: "q=x"))),
                AvroRefusal.unknownSchema, 9_999
            ),
            ([0, 0, 1], AvroRefusal.notAvro, nil),
        ]
        for (value, reason, _) in garbage {
            values.append(value)
            headers.append([KafkaHeader(name: "traceparent", string: traceparent)])
            expected["k-\(values.count - 1)"] = .deadLetter(reason: reason)
        }
        try fixture.send(values, headers: headers)

        fixture.configuration.schemaRegistryURLs = [try #require(registry.url)]
        let options = try fixture.configuration.processorOptions(logger: PipelineFixture.logger)
        let model = try fixture.configuration.loadModel()
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: model, maxBatch: 16, options: options)
        )
        try pipeline.start()
        let predictions = try fixture.read(fixture.configuration.output, atLeast: valid)
        let deadLetters = try fixture.read(fixture.configuration.deadLetter, atLeast: garbage.count)
        #expect(pipeline.stop(timeoutSeconds: 20))

        #expect(predictions.count == valid)
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
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            #expect(json["id"] as? String == id)
            #expect(
                json["anomalous"] as? Bool == anomalous,
                "\(key): \(String(decoding: message.value, as: UTF8.self))"
            )
            let input = try #require(inputByKey[key])
            let source = try #require(json["source"] as? [String: Any])
            #expect(source["offset"] as? Int == Int(input.offset))
            let carried = Self.headers(of: message)
            #expect(carried["traceparent"] == Self.headers(of: input)["traceparent"], "\(key)")
        }
        for message in deadLetters {
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            guard case .deadLetter(let reason) = try #require(expected[key]) else {
                Issue.record("\(key) should have had a prediction")
                continue
            }
            let input = try #require(inputByKey[key])
            #expect(message.value == input.value, "a dead letter keeps the original bytes")
            let letter = Self.headers(of: message)
            #expect(letter[DeadLetterHeader.error] == reason)
            let schemaID = garbage.first { $0.1 == reason }?.2
            #expect(letter[DeadLetterHeader.schemaID] == schemaID.map(String.init))
            #expect(letter[DeadLetterHeader.detail]?.isEmpty == false)
            #expect(letter["traceparent"] == traceparent)
        }
    }

    @Test func aRegistryOutageHoldsRecordsUntilItReturnsAndAStopLeavesThemForTheNextOwner() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        let registry = SchemaRegistryServer(port: 0)
        let url = "http://127.0.0.1:\(try registry.start())"
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
        let first = try client.register(subject: Self.subject, schema: AvroRequestSchema.json)
        let second = try client.register(subject: Self.subject, schema: Self.secondSchema)
        let answers = try AnswerLog(fixture)
        fixture.configuration.schemaRegistryURLs = [url]
        fixture.configuration.inputFormat = .avro
        let model = try fixture.configuration.loadModel()
        // Options per pipeline, as per `serve` process: a stop limits its catalog's waits for good.
        func makePipeline() throws -> Pipeline {
            try Pipeline(
                configuration: fixture.configuration,
                logger: PipelineFixture.logger,
                makeProcessor: makeInferenceProcessors(
                    model: model,
                    maxBatch: 8,
                    options: try fixture.configuration.processorOptions(logger: PipelineFixture.logger)
                )
            )
        }

        // Down before the first record: nothing is answered, nothing is dead-lettered.
        registry.stop()
        try fixture.send(
            (0..<30).map { Self.wire(first, AvroRequestSchema.encode(Self.request("a-\($0)", query: "q=\($0)"))) }
        )
        let pipeline = try makePipeline()
        try pipeline.start()
        Thread.sleep(forTimeInterval: 3)
        #expect(answers.answered.isEmpty)
        #expect(pipeline.counters.snapshot.deadLettered == 0)

        // Back: every record is answered, once.
        try registry.start()
        #expect(answers.wait(for: 30).values.allSatisfy { $0 == 1 })

        // Down again, with records of a schema the service has not seen: a stop gives up on them
        // without answering or committing them.
        registry.stop()
        var body = AvroRequestSchema.encode(Self.request("b", query: "q=b"))
        AvroBinary.appendString("acme", to: &body)
        try fixture.send((0..<10).map { _ in Self.wire(second, body) }, keyOffset: 30)
        Thread.sleep(forTimeInterval: 2)
        #expect(pipeline.stop(timeoutSeconds: 4))
        #expect(pipeline.counters.snapshot.leftUnanswered > 0)
        #expect(pipeline.counters.snapshot.deadLettered == 0)
        #expect((30..<40).allSatisfy { answers.answered["k-\($0)"] == nil })

        // The next owner reads them again and answers them once the registry is back.
        try registry.start()
        let next = try makePipeline()
        try next.start()
        let answered = answers.wait(for: 40)
        #expect(next.stop(timeoutSeconds: 20))
        #expect((0..<40).allSatisfy { answered["k-\($0)", default: 0] >= 1 })
        #expect(next.counters.snapshot.deadLettered == 0)
    }
}
