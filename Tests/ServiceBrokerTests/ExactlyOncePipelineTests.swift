import Foundation
import Kafka
import Platform
import Service
import Synchronization
import TestSupport
import Testing

/// The exactly-once pipeline over real TCP against the embedded broker: transactions commit, an
/// abortable failure is aborted and redone, and a failure nothing can answer stops the pipeline
/// with its reason. librdkafka's mock cluster neither isolates aborted records nor stores
/// transactional offsets, so "exactly once" itself is proven against tansu (tests/eos); here an
/// aborted transaction's records stay visible, and the tests say so where it matters.
@Suite(.timeLimit(.minutes(4)))
struct ExactlyOncePipelineTests {
    private static func fixture(inputs count: Int) throws -> (PipelineFixture, [[UInt8]]) {
        var fixture = try PipelineFixture(partitions: 4, consumers: 2, workers: 2)
        fixture.configuration.model = try TestModel.write()
        fixture.configuration.guarantee = .exactlyOnce
        fixture.configuration.transactionalID = Unique.name("tid")
        fixture.configuration.transactionIntervalMilliseconds = 50
        let values = PipelineFixture.requests(count)
        try fixture.send(values)
        return (fixture, values)
    }

    private static func pipeline(_ fixture: PipelineFixture) throws -> Pipeline {
        try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: try fixture.configuration.loadModel(), maxBatch: 32)
        )
    }

    @Test func everyInputIsAnsweredOnceInCommittedTransactions() throws {
        let (fixture, values) = try Self.fixture(inputs: 3_000)
        let pipeline = try Self.pipeline(fixture)
        let log = try AnswerLog(fixture)
        try pipeline.start()
        let answered = log.wait(for: values.count)
        #expect(pipeline.stop(timeoutSeconds: 20))

        #expect(answered.count == values.count)
        #expect(answered.values.allSatisfy { $0 == 1 }, "no input answered twice")
        let counts = pipeline.counters.snapshot
        #expect(counts.produced == values.count)
        #expect(counts.transactionsCommitted > 1, "answers committed over several transactions")
        #expect(counts.transactionsAborted == 0)
        #expect(pipeline.failure.reason == nil)
        #expect(pipeline.inFlight == 0)
    }

    @Test func aTransactionWithRefusedAnswersIsAbortedAndRedoneWithMinimalDeadLetters() throws {
        let (fixture, values) = try Self.fixture(inputs: 2_000)
        let pipeline = try Self.pipeline(fixture)
        let log = try AnswerLog(fixture)
        // The first produce request meets a topic whose max.message.bytes is below the producer's.
        fixture.broker.refuseNextProduceRequests(1, with: .messageTooLarge)
        try pipeline.start()
        let answered = log.wait(for: values.count)
        #expect(pipeline.stop(timeoutSeconds: 20))

        #expect(answered.count == values.count, "every input answered")
        let counts = pipeline.counters.snapshot
        #expect(counts.transactionsAborted >= 1)
        #expect(counts.unanswerable == 0)
        #expect(pipeline.failure.reason == nil)
        let letters = log.loop.messages.filter {
            $0.headers.contains { $0.name == DeadLetterHeader.error && $0.value == Array("answerTooLarge".utf8) }
        }
        #expect(!letters.isEmpty, "the refused answers were sent again as minimal dead letters")
        // Committed transactions carry each input once; the mock cluster also shows the aborted one.
        #expect(counts.produced == values.count)
    }

    @Test func anAnswerNoTopicTakesStopsThePipelineWithItsReasonAndCommitsNothingPastIt() throws {
        let (fixture, _) = try Self.fixture(inputs: 500)
        let pipeline = try Self.pipeline(fixture)
        let failures = FailureBox()
        pipeline.failure.onFailure { failures.set($0) }
        fixture.broker.refuseNextProduceRequests(100_000, with: .notAuthorized)
        try pipeline.start()
        #expect(eventually(seconds: 60) { failures.reason != nil })
        pipeline.stop(timeoutSeconds: 10)

        let reason = try #require(failures.reason)
        #expect(reason.contains("refused even its minimal dead letter"), "\(reason)")
        #expect(reason.contains("stopping, so that nothing is committed past it"), "\(reason)")
        #expect(pipeline.counters.snapshot.transactionsCommitted == 0)
    }
}

private final class FailureBox: Sendable {
    private let stored = Mutex<String?>(nil)
    func set(_ reason: String) { stored.withLock { $0 = reason } }
    var reason: String? { stored.withLock { $0 } }
}
