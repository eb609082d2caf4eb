import Foundation
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Rebalances and stalls of in-process pipelines: every input still ends with an answer.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FailureRecoveryTests {
    @Test func twoInstancesShareTheLoadAndOneLeavingMidStreamLosesNothing() throws {
        var fixture = try PipelineFixture(partitions: 6)
        fixture.configuration.model = try TestModel.write()
        let model = try fixture.configuration.loadModel()
        let makeProcessor = makeInferenceProcessors(model: model, maxBatch: 64)
        let count = 30_000
        let log = try AnswerLog(fixture)
        let first = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeProcessor
        )
        try first.start()
        try fixture.send(Array(PipelineFixture.requests(count)[..<(count / 2)]))
        // Mid-stream: the first instance is answering before the second joins.
        #expect(
            eventually(seconds: 40) { first.counters.snapshot.acknowledged > 0 },
            "the first instance answered nothing"
        )
        let second = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeProcessor
        )
        try second.start()
        #expect(eventually(seconds: 40) { !second.assignment().isEmpty }, "the second instance got no partitions")
        try fixture.send(Array(PipelineFixture.requests(count)[(count / 2)...]), keyOffset: count / 2)
        #expect(first.stop(timeoutSeconds: 20))  // leaves mid-stream: its partitions move to the second
        let answered = log.wait(for: count)
        #expect(second.stop(timeoutSeconds: 20))

        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) unanswered, e.g. \(missing.prefix(5))")
        #expect(first.counters.snapshot.produced > 0 && second.counters.snapshot.produced > 0)
        print("rebalance: \(count) inputs, 0 lost, \(answered.values.reduce(0) { $0 + $1 - 1 }) duplicates")
    }

    @Test func aStalledOutputKeepsMemoryBoundedAndRecovers() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 1)
        fixture.configuration.model = try TestModel.write()
        fixture.configuration.ringCapacity = 256
        fixture.configuration.maxBatch = 32
        fixture.configuration.kafkaProducer = ["queue.buffering.max.messages=200", "linger.ms=0"]
        fixture.configuration.maxInFlightPerPartition = 300
        let count = 10_000
        try fixture.send(PipelineFixture.requests(count))
        let log = try AnswerLog(fixture)
        try fixture.broker.setRoundTripTime(broker: 1, milliseconds: 300)  // every produce takes 300 ms
        let model = try fixture.configuration.loadModel()
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: model, maxBatch: 32)
        )
        try pipeline.start()
        // Bound: input ring + as much again pending + result ring + producer queue + one poll batch.
        let bound = 256 + 256 + 256 + 200 + 1_024
        var peak = 0
        var stalledReason: String?
        let deadline = MonotonicDeadline.after(.seconds(15))
        while !deadline.hasPassed {
            peak = max(peak, pipeline.inFlight)
            stalledReason = stalledReason ?? pipeline.notReady().first { $0.contains("max-in-flight-per-partition") }
            sleepThread(for: .milliseconds(50))
        }
        #expect(peak <= bound, "in flight peaked at \(peak), bound \(bound)")
        #expect(pipeline.counters.snapshot.backPressurePauses > 0)
        #expect(stalledReason != nil, "/readyz said why while partitions were paused at their in-flight limit")
        try fixture.broker.setRoundTripTime(broker: 1, milliseconds: 0)
        let answered = log.wait(for: count)
        // The poller re-checks partition windows every 64 polls (under a second when idle).
        #expect(
            eventually(seconds: 5) { pipeline.notReady().isEmpty },
            "ready again once the output recovered: \(pipeline.notReady())"
        )
        #expect(pipeline.stop(timeoutSeconds: 20))
        #expect(answered.count == count)
        print(
            "stalled output: peak \(peak) records in flight (bound \(bound)), \(answered.count)/\(count) answered; readyz while paused: \(stalledReason ?? "ready")"
        )
    }
}
