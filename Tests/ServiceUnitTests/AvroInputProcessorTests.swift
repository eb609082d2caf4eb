import Foundation
import Inference
import Kafka
import Logging
import Service
import Testing

/// The processor with each input format, without a broker or a registry.
@Suite struct AvroInputProcessorTests {
    static func inputs(_ values: [[UInt8]]) -> [InputRecord] {
        values.enumerated().map { index, value in
            InputRecord(
                message: KafkaMessage(topic: "requests", partition: 1, offset: Int64(index), key: nil, value: value),
                ticket: .init(rawValue: UInt(index)),
                receivedNanoseconds: 0
            )
        }
    }

    /// One random linear model for the whole suite, so twins are scored by the same weights.
    static let model = InferenceProcessorTests.model(.linear)

    static func process(_ values: [[UInt8]], options: ProcessorOptions) throws -> [OutputRecord] {
        let processor = try InferenceProcessor(
            model: model,
            maxBatch: 8,
            options: options
        )
        var outputs: [OutputRecord] = []
        processor.process(inputs(values), into: &outputs)
        return outputs.sorted { $0.ticket.rawValue < $1.ticket.rawValue }
    }

    static func header(_ name: String, of output: OutputRecord) -> String? {
        output.headers.first { $0.name == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    static func json(_ output: OutputRecord) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.value ?? [])) as? [String: Any])
    }

    static let jsonRequest = Array(#"{"id":"j","path":"/search","query":"q=shoes"}"#.utf8)
    static let clfLine = Array(
        #"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 "-" "Mozilla/4.08""#.utf8
    )

    @Test func jsonOnlyRefusesALogLineAndClfOnlyRefusesAnObjectSayingWhy() throws {
        let json = try Self.process(
            [Self.jsonRequest, Self.clfLine],
            options: ProcessorOptions(decoding: RequestDecoding(format: .json))
        )
        #expect(json[0].destination == .prediction)
        #expect(json[1].destination == .deadLetter)
        #expect(Self.header(DeadLetterHeader.error, of: json[1]) == "notJSONObject")
        #expect(Self.header(DeadLetterHeader.detail, of: json[1])?.contains("input-format is json") == true)

        let clf = try Self.process(
            [Self.jsonRequest, Self.clfLine],
            options: ProcessorOptions(decoding: RequestDecoding(format: .clf))
        )
        #expect(clf[0].destination == .deadLetter)
        #expect(Self.header(DeadLetterHeader.error, of: clf[0]) == "clfMalformed")
        #expect(clf[1].destination == .prediction)
    }

    @Test func aWireFormatRecordWithoutARegistryIsDeadLetteredWithItsSchemaID() throws {
        var record: [UInt8] = []
        ConfluentWireFormat.appendHeader(schemaID: 258, to: &record)
        record += AvroRequestSchema.encode(HTTPRequest(path: "/a"))
        let outputs = try Self.process([record, [0, 1], Self.jsonRequest], options: ProcessorOptions())
        #expect(Self.header(DeadLetterHeader.error, of: outputs[0]) == "noSchemaRegistry")
        #expect(Self.header(DeadLetterHeader.schemaID, of: outputs[0]) == "258")
        #expect(Self.header(DeadLetterHeader.error, of: outputs[1]) == "notAvro")
        #expect(Self.header(DeadLetterHeader.schemaID, of: outputs[1]) == nil)
        #expect(outputs[2].destination == .prediction)
    }

    @Test func bareRecordsAreReadWithTheAvroSchemaFileAndScoreAsTheirJSONTwins() throws {
        let file = "/tmp/avro-input-\(ProcessInfo.processInfo.processIdentifier).avsc"
        try Data(AvroRequestSchema.json.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var configuration = ServiceConfiguration()
        configuration.inputFormat = .avro
        configuration.avroSchemaFile = file
        let options = try configuration.processorOptions(logger: Logger(label: "test"))

        let request = HTTPRequest(
            id: "r-1",
            method: "POST",
            path: "http://shop.example/login",
            query: "next=%2Fhome",
            body: "user=alice&pwd=' OR '1'='1",
            userAgent: "Mozilla/5.0"
        )
        let avro = try Self.process([AvroRequestSchema.encode(request), [0xFF, 0xFF]], options: options)
        let twin = try Self.process(
            [
                Array(
                    #"{"id":"r-1","method":"POST","path":"http://shop.example/login","query":"next=%2Fhome","body":"user=alice&pwd=' OR '1'='1","headers":{"User-Agent":"Mozilla/5.0"}}"#
                        .utf8
                )
            ],
            options: ProcessorOptions()
        )
        let prediction = try Self.json(avro[0])
        #expect(prediction["id"] as? String == "r-1")
        #expect(prediction["score"] as? Double == (try Self.json(twin[0]))["score"] as? Double)
        #expect(avro[1].destination == .deadLetter)
        #expect(Self.header(DeadLetterHeader.error, of: avro[1]) == "avroMalformed")
        #expect(Self.header(DeadLetterHeader.detail, of: avro[1])?.contains("avro-schema") == true)
    }

    @Test func anAvroSchemaFileThatCannotGiveRequestsFailsTheStartNamingIt() throws {
        let file = "/tmp/avro-input-bad-\(ProcessInfo.processInfo.processIdentifier).avsc"
        try Data(#"{"type":"record","name":"Click","fields":[{"name":"button","type":"string"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var configuration = ServiceConfiguration()
        configuration.inputFormat = .avro
        configuration.avroSchemaFile = file
        #expect {
            _ = try configuration.processorOptions(logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("avro-schema '\(file)'") && "\(error)".contains("path")
        }
    }

    @Test func avroPredictionsAreTheWireFormatWithTheRegisteredID() throws {
        #expect((try? AvroSchema(parsing: PredictionSchema.text)) != nil)
        let outputs = try Self.process(
            [Self.jsonRequest],
            options: ProcessorOptions(predictions: .avro(schemaID: 42))
        )
        let value = try #require(outputs[0].value)
        #expect(Array(value.prefix(5)) == [0, 0, 0, 0, 42])
        // The first field, `id`: a zig-zag length (1 → 2) and the bytes.
        #expect(Array(value[5...6]) == [2, UInt8(ascii: "j")])
        #expect(ConfluentWireFormat.schemaID(of: value.span) == 42)
    }
}
