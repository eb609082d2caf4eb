import Foundation
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Reliability scenario 9 (docs/RELIABILITY.md): answers the broker will not take. A record whose
/// prediction or dead letter is too large, or whose output topic refuses writes, still gets an
/// answer (or is given up with a log line), and no partition's commits stop below it.
@Suite(.timeLimit(.minutes(4)))
struct PoisonAnswerTests {
    /// A key of `count` bytes that starts with `prefix`.
    static func key(_ prefix: String, bytes count: Int) -> [UInt8] {
        Array(prefix.utf8) + Array(repeating: UInt8(ascii: "x"), count: count - prefix.utf8.count)
    }

    /// Answers per input, keyed by the first 24 bytes of the key (answers may carry a cut key).
    static func answersByKeyPrefix(_ messages: [KafkaMessage]) -> [String: [KafkaMessage]] {
        Dictionary(grouping: messages) { String(decoding: ($0.key ?? []).prefix(24), as: UTF8.self) }
    }

    static func header(_ name: String, of message: KafkaMessage) -> String? {
        message.headers.first { $0.name == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    /// A 4-partition fixture with the test model, and `count` normal requests keyed `k-<i>`.
    static func normalInputs(
        _ count: Int
    ) throws -> (PipelineFixture, [(key: [UInt8], value: [UInt8], headers: [KafkaHeader])]) {
        var fixture = try PipelineFixture(partitions: 4)
        fixture.configuration.model = try TestModel.write()
        let inputs = PipelineFixture.requests(count).enumerated().map {
            (key: Array("k-\($0.offset)".utf8), value: $0.element, headers: [KafkaHeader]())
        }
        return (fixture, inputs)
    }

    /// Runs `inputs` through a pipeline until each has an answer, and returns the answers, the
    /// pipeline's counts and whether every partition's commit reached its high watermark.
    static func run(
        _ fixture: PipelineFixture,
        inputs: [(key: [UInt8], value: [UInt8], headers: [KafkaHeader])],
        expectAnswers: Int,
        prepare: (PipelineFixture) -> Void = { _ in }
    ) throws -> (answers: [String: [KafkaMessage]], counts: PipelineCounts, stalled: [TopicPartition], committed: Bool)
    {
        try fixture.send(
            inputs.map(\.value),
            keys: inputs.map(\.key),
            headers: inputs.map(\.headers),
            messageMaxBytes: 8 << 20
        )
        prepare(fixture)
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: try fixture.configuration.loadModel(), maxBatch: 32)
        )
        let log = try AnswerLog(fixture)
        try pipeline.start()
        _ = eventually(seconds: 90) { answersByKeyPrefix(log.loop.messages).count >= expectAnswers }
        var stalled: [TopicPartition] = []
        let partitions = Int32(4)
        let inputCounts = fixture.inputCounts(try fixture.read(fixture.configuration.input, atLeast: inputs.count))
        // The committer's timer commits within a second or two of the last acknowledgement.
        let committed = eventually(seconds: 20) {
            stalled = pipeline.partitionsPausedByInFlightLimit
            return (try? fixture.committedOffsets(partitions: partitions)) == inputCounts
        }
        sleepThread(for: .milliseconds(500))  // a second answer to any input would arrive now
        #expect(pipeline.stop(timeoutSeconds: 20), "the stop finished in time (no answer held it)")
        return (answersByKeyPrefix(log.loop.messages), pipeline.counters.snapshot, stalled, committed)
    }

    @Test func answersTooLargeForTheBrokerAreDeadLetteredCutAndNoPartitionStalls() throws {
        var (fixture, inputs) = try Self.normalInputs(10_000)
        fixture.configuration.maxInFlightPerPartition = 500
        let binary = { (count: Int) in [UInt8](repeating: 0xFF, count: count) }
        // The three poison answers an outside tester found, among the normal records.
        let poison: [(key: [UInt8], value: [UInt8], headers: [KafkaHeader])] = [
            // The prediction carries the 999,950-byte key: over message.max.bytes.
            (Self.key("poison-prediction", bytes: 999_950), Array(#"{"path":"/"}"#.utf8), []),
            // The dead letter carries a 100,960-byte key and 899,000 bytes of value.
            (Self.key("poison-dead-letter", bytes: 100_960), binary(899_000), []),
            // 950 KB of value plus a 120 KB input header, and a spoofed truncation marker.
            (
                Self.key("poison-header", bytes: 32), binary(950_000),
                [KafkaHeader(name: "x-big", value: binary(120_000))]
            ),
        ]
        for (index, record) in poison.enumerated() { inputs.insert(record, at: 1_000 + index * 3_000) }

        let result = try Self.run(fixture, inputs: inputs, expectAnswers: inputs.count)
        #expect(result.answers.count == inputs.count, "every input answered")
        #expect(result.answers.values.allSatisfy { $0.count == 1 }, "each input answered once")
        #expect(result.committed, "every partition's commit reached its high watermark")
        #expect(result.stalled.isEmpty, "no partition paused at its in-flight limit: \(result.stalled)")
        #expect(result.counts.unanswerable == 0)
        for record in poison {
            let prefix = String(decoding: record.key.prefix(24), as: UTF8.self)
            let answer = try #require(result.answers[prefix]?.first, "\(prefix) answered")
            #expect(answer.topic == fixture.configuration.deadLetter, "\(prefix)")
            #expect(Self.header(DeadLetterHeader.truncated, of: answer) == "true", "\(prefix) marked as cut")
            #expect(!answer.headers.contains { $0.name == "x-big" }, "\(prefix): input headers dropped when too large")
            let size =
                (answer.key?.count ?? 0) + answer.value.count
                + answer.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
            #expect(size <= 1_000_000, "\(prefix): \(size) bytes fit message.max.bytes")
        }
        let tooLarge = try #require(result.answers[String(decoding: poison[0].key.prefix(24), as: UTF8.self)]?.first)
        #expect(Self.header(DeadLetterHeader.error, of: tooLarge) == "answerTooLarge")
        #expect(Self.header(DeadLetterHeader.sourceOffset, of: tooLarge) != nil, "names the input's position")
        print(
            "poison answers: \(inputs.count) inputs, \(result.counts.predicted) predicted, \(result.counts.deadLettered) dead-lettered (\(result.counts.truncatedDeadLetters) cut), 0 lost, commits at the high watermark"
        )
    }

    @Test func answersTheBrokerRefusesAreAnsweredByMinimalDeadLettersAndCommitsGoOn() throws {
        let (fixture, inputs) = try Self.normalInputs(2_000)
        // The first produce request meets a topic whose max.message.bytes is below the producer's
        // limit: the broker refuses every record in it for good.
        let result = try Self.run(fixture, inputs: inputs, expectAnswers: inputs.count) {
            $0.broker.refuseNextProduceRequests(1, with: .messageTooLarge)
        }
        #expect(result.answers.count == inputs.count, "every input answered")
        #expect(result.answers.values.allSatisfy { $0.count == 1 }, "each input answered once")
        #expect(result.committed, "every partition's commit reached its high watermark")
        let refused = result.answers.values.compactMap(\.first).filter {
            Self.header(DeadLetterHeader.error, of: $0) == "answerTooLarge"
        }
        #expect(!refused.isEmpty, "the refused records were answered by minimal dead letters")
        #expect(result.counts.unanswerable == 0)
        print(
            "refused produce requests: \(inputs.count) inputs, \(refused.count) answered by minimal dead letters, 0 lost"
        )
    }

    @Test func whenEveryAnswerIsRefusedRecordsAreLoggedReleasedAndCommitsGoOn() throws {
        let (fixture, inputs) = try Self.normalInputs(1_000)
        // More refusals than requests: answers and their minimal dead letters are all refused.
        let result = try Self.run(fixture, inputs: inputs, expectAnswers: 0) {
            $0.broker.refuseNextProduceRequests(100_000, with: .notAuthorized)
        }
        #expect(result.answers.isEmpty)
        #expect(result.committed, "every partition's commit reached its high watermark")
        #expect(result.counts.unanswerable == inputs.count, "each input given up exactly once")
        print("every answer refused: \(inputs.count) inputs, \(result.counts.unanswerable) logged and released")
    }
}
