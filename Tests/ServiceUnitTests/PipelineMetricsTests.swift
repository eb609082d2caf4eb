import Foundation
import Inference
import Kafka
import MetricsTestKit
import Platform
import Service
import TestSupport
import Testing

/// ``PipelineMetrics``, ``ModelSwitch`` and ``ModelReloader`` against swift-metrics' test backend:
/// what any backend bootstrapped instead of Prometheus receives.
@Suite(.timeLimit(.minutes(1)))
struct PipelineMetricsTests {
    static func partition(_ number: Int32) -> TopicPartition {
        TopicPartition(topic: "requests", partition: number)
    }

    @Test func countersReceiveEachDeltaOnceAndGaugesTheLatestValue() throws {
        let backend = TestMetrics()
        let metrics = PipelineMetrics(factory: backend)
        var reading = PipelineReading.zero
        reading.counts.consumed = 10
        reading.counts.acknowledged = 7
        reading.rebalances = 1
        reading.inFlightBytes = 4_096
        metrics.flush { reading }
        metrics.flush { reading }  // nothing new: nothing pushed
        reading.counts.consumed = 25
        reading.counts.acknowledged = 25
        reading.inFlightBytes = 0
        metrics.flush { reading }

        #expect(try backend.expectCounter(ServiceMetricNames.consumed).values == [10, 15])
        #expect(backend.counterTotal(label: ServiceMetricNames.acknowledged) == 25)
        #expect(backend.counterTotal(label: ServiceMetricNames.rebalances) == 1)
        #expect(try backend.expectGauge(ServiceMetricNames.inFlightBytes).lastValue == 0)
        #expect(try backend.expectGauge(ServiceMetricNames.assignedPartitions).lastValue == 0)
        #expect(throws: (any Error).self, "no statistics report yet") {
            try backend.expectGauge(ServiceMetricNames.brokersUp)
        }
    }

    @Test func histogramsReachTheBackendWithExactCountsAndSums() throws {
        let backend = TestMetrics()
        let metrics = PipelineMetrics(factory: backend)
        let latency = AtomicHistogram(upperBounds: ServiceMetricNames.latencyBounds)
        let sizes = AtomicHistogram(upperBounds: ServiceMetricNames.batchSizeBounds)
        let recorded: [Int64] = [90_000, 180_000, 190_000, 3_000_000, 400_000_000]
        for nanoseconds in recorded { latency.record(nanoseconds) }
        for size: Int64 in [1, 2, 3, 64] { sizes.record(size) }
        var reading = PipelineReading.zero
        reading.latency = latency.snapshot()
        reading.batchSizes = sizes.snapshot()
        metrics.flush { reading }

        let timer = try backend.expectTimer(ServiceMetricNames.latency)
        #expect(timer.values.count == 5)
        #expect(timer.values.reduce(0, +) == recorded.reduce(0, +))
        #expect(timer.values.sorted() == [90_000, 185_000, 185_000, 3_000_000, 400_000_000])
        let recorder = try backend.expectRecorder(ServiceMetricNames.batchSize)
        #expect(recorder.values.count == 4 && recorder.values.reduce(0, +) == 70)
    }

    @Test func aPartitionNoLongerReportedLosesItsLagGauge() throws {
        let backend = TestMetrics()
        let metrics = PipelineMetrics(factory: backend)
        var reading = PipelineReading.zero
        reading.consumerLag = [Self.partition(0): 12, Self.partition(1): 3]
        reading.brokersUp = 1
        metrics.flush { reading }
        let first = [("topic", "requests"), ("partition", "1")]
        #expect(try backend.expectGauge(ServiceMetricNames.consumerLag, first).lastValue == 3)
        #expect(try backend.expectGauge(ServiceMetricNames.brokersUp).lastValue == 1)

        reading.consumerLag = [Self.partition(0): 0]
        metrics.flush { reading }
        #expect(
            try backend.expectGauge(ServiceMetricNames.consumerLag, [("topic", "requests"), ("partition", "0")])
                .lastValue == 0
        )
        #expect(throws: (any Error).self, "revoked: its gauge is gone") {
            try backend.expectGauge(ServiceMetricNames.consumerLag, first)
        }
    }

    @Test func theModelInfoSeriesFollowsAReloadAndTheReloadIsCounted() throws {
        let backend = TestMetrics()
        let path = try TestModel.write(version: "1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let models = ModelSwitch(try SVMModel(contentsOf: path), metricsFactory: backend)
        let first = [("name", "service-test"), ("version", "1"), ("kernel", "rbf")]
        #expect(try backend.expectGauge(ServiceMetricNames.modelInfo, first).lastValue == 1)

        var configuration = ServiceConfiguration()
        configuration.model = path
        configuration.modelPollSeconds = 0
        let reloader = try ModelReloader(
            configuration: configuration,
            models: models,
            logger: PipelineFixture.logger,
            metricsFactory: backend
        )
        defer { reloader.stop() }
        _ = try TestModel.write(version: "2", to: path)
        reloader.requestReload()
        #expect(eventually(seconds: 20) { backend.counterTotal(label: ServiceMetricNames.modelReloads) == 1 })
        let second = [("name", "service-test"), ("version", "2"), ("kernel", "rbf")]
        #expect(try backend.expectGauge(ServiceMetricNames.modelInfo, second).lastValue == 1)
        #expect(throws: (any Error).self, "one model in use: the old series is gone") {
            try backend.expectGauge(ServiceMetricNames.modelInfo, first)
        }
        #expect(backend.counterTotal(label: ServiceMetricNames.modelReloadFailures) == 0)
    }
}
