import Inference
import Kafka
import Service
import Testing

/// Dead letters carry the service's headers first and none of the input's in its namespace
/// (docs/CONTRACT.md, "Dead-letter message"); a tombstone's dead letter keeps its null value.
@Suite struct DeadLetterHeaderTests {
    static func deadLetter(value: [UInt8], headers: [KafkaHeader], isTombstone: Bool = false) throws -> OutputRecord {
        let processor = try InferenceProcessor(model: InferenceProcessorTests.model(.linear), maxBatch: 4)
        let input = InputRecord(
            message: KafkaMessage(
                topic: "requests",
                partition: 2,
                offset: 17,
                key: Array("k".utf8),
                value: value,
                headers: headers,
                isTombstone: isTombstone
            ),
            ticket: .init(rawValue: 1),
            receivedNanoseconds: 0
        )
        var outputs: [OutputRecord] = []
        processor.process([input], into: &outputs)
        let output = try #require(outputs.first)
        #expect(output.destination == .deadLetter)
        return output
    }

    @Test func forgedServiceHeadersAreDroppedAndTheServicesComeFirst() throws {
        let forged = [
            KafkaHeader(name: "X-Anomaly-Error", string: "forged"),
            KafkaHeader(name: "trace-id", string: "t-1"),
            KafkaHeader(name: "x-anomaly-source-offset", string: "999"),
            KafkaHeader(name: "x-ANOMALY-truncated", string: "true"),
            KafkaHeader(name: "x-anomaly-", value: nil),
            KafkaHeader(name: "x-anomal", string: "kept: not the prefix"),
        ]
        let output = try Self.deadLetter(value: Array("not a request".utf8), headers: forged)
        #expect(
            output.headers.map(\.name) == [
                DeadLetterHeader.error, DeadLetterHeader.detail, DeadLetterHeader.sourceTopic,
                DeadLetterHeader.sourcePartition, DeadLetterHeader.sourceOffset, "trace-id", "x-anomal",
            ]
        )
        #expect(output.headers[0].value == Array("clfMalformed".utf8))
        #expect(output.headers[4].value == Array("17".utf8))
        #expect(output.headers[5].value == Array("t-1".utf8))
    }

    @Test(arguments: ["x-anomaly-error", "X-ANOMALY-ERROR", "x-Anomaly-anything", "x-anomaly-"])
    func namesInTheServicesNamespaceAreReservedInAnyCase(_ name: String) {
        #expect(DeadLetterHeader.isReserved(name))
    }

    @Test(arguments: ["x-anomaly", "anomaly-error", "x-anomalyerror", "y-anomaly-error", "x\ranomaly-"])
    func otherNamesAreNotReserved(_ name: String) {
        #expect(!DeadLetterHeader.isReserved(name))
    }

    @Test func aTombstonesDeadLetterKeepsANullValue() throws {
        let output = try Self.deadLetter(value: [], headers: [], isTombstone: true)
        #expect(output.value == nil)
        #expect(output.headers.first?.value == Array("empty".utf8))
    }

    @Test func anEmptyValuesDeadLetterStaysEmpty() throws {
        let output = try Self.deadLetter(value: [], headers: [])
        #expect(output.value == [])
    }

    @Test func anInvalidIdIsDeadLetteredWithItsOwnReason() throws {
        let output = try Self.deadLetter(value: Array(#"{"id": 1e400, "path": "/"}"#.utf8), headers: [])
        #expect(output.headers.first?.value == Array("invalidID".utf8))
        let detail = try #require(output.headers.first { $0.name == DeadLetterHeader.detail }?.value)
        #expect(String(decoding: detail, as: UTF8.self).contains("64 bits"))
    }
}
