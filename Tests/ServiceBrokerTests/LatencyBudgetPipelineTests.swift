import CoreMetrics
import Kafka
import MetricsTestKit
import Service
import TestSupport
import Testing

/// A pipeline under `latency-budget-ms` over the embedded broker (real TCP): it answers every
/// record, and the batch size it reports moves up from its floor while a backlog builds.
@Suite(.timeLimit(.minutes(3)))
struct LatencyBudgetPipelineTests {
    @Test func aPipelineWithABudgetAnswersEveryRecordAndGrowsItsBatchUnderABacklog() throws {
        let count = 6_000
        let preloaded = try PipelineFixture.preloaded(count)
        var fixture = preloaded.0
        let log = preloaded.1
        // A budget no debug build comes near, so only the backlog decides; small rings, so the
        // preloaded records make the pollers pause for back-pressure (the backlog grows upstream).
        fixture.configuration.latencyBudgetMilliseconds = 60_000
        fixture.configuration.maxBatch = 128
        fixture.configuration.ringCapacity = 128
        let backend = TestMetrics()
        let model = try fixture.configuration.loadModel()
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            metricsFactory: backend,
            makeProcessor: makeInferenceProcessors(model: model, maxBatch: fixture.configuration.maxBatch)
        )
        #expect(pipeline.batchTargetSize == 128, "max-batch until the budget's loop starts")
        try pipeline.start()

        let answers = log.wait(for: count)
        #expect(answers.count == count, "every record answered once")
        #expect(answers.values.allSatisfy { $0 == 1 }, "no duplicates")
        #expect(eventually(seconds: 20) { pipeline.counters.snapshot.acknowledged == count })
        #expect(pipeline.stop(timeoutSeconds: 20))

        let sizes = try backend.expectGauge(ServiceMetricNames.batchTargetSize).values
        #expect(sizes.contains { $0 > 1 }, "the target size grew from 1: \(sizes)")
        #expect(sizes.allSatisfy { $0 >= 1 && $0 <= 128 }, "within 1...max-batch: \(sizes)")
        let recorded = try backend.expectRecorder(ServiceMetricNames.batchSize).values
        #expect(recorded.reduce(0, +) == Double(count))
        #expect(recorded.allSatisfy { $0 <= 128 })
        #expect(try backend.expectGauge(ServiceMetricNames.latencyWindowP99).lastValue.map { $0 > 0 } == true)
    }
}
