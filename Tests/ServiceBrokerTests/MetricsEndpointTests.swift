import CoreMetrics
import Kafka
import MetricsTestKit
import Service
import TestSupport
import Testing

/// A running pipeline's metrics over a real socket, exported by ``PrometheusExporter`` and, at
/// the same time, received by swift-metrics' test backend: the histograms are whole and exact,
/// and a second backend gets the same figures.
@Suite(.timeLimit(.minutes(3)))
struct MetricsEndpointTests {
    @Test func aScrapeHasExactHistogramsAndAnotherBackendGetsTheSameFigures() throws {
        let count = 1_500
        let (fixture, log) = try PipelineFixture.preloaded(count)
        let exporter = PrometheusExporter()
        let backend = TestMetrics()
        let model = try fixture.configuration.loadModel()
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            metricsFactory: MultiplexMetricsHandler(factories: [exporter.factory, backend]),
            makeProcessor: makeInferenceProcessors(model: model, maxBatch: fixture.configuration.maxBatch)
        )
        try pipeline.start()
        exporter.attach(pipeline)
        let server = try OperationsServer(port: 0, content: exporter.content, logger: PipelineFixture.logger)
        defer { server.stop() }

        #expect(log.wait(for: count).count == count)
        #expect(eventually(seconds: 20) { pipeline.counters.snapshot.acknowledged == count })
        let scrape = try #require(TestSocket.request("/metrics", port: server.port))
        #expect(scrape.status == 200)
        let text = PrometheusText(scrape.body)

        // Latency: the buckets 0.1 ms to 100 ms, one observation per acknowledged answer.
        let latency = ServiceMetricNames.latency
        #expect(text.isWellFormedHistogram(latency), "\(scrape.body)")
        #expect(
            text.buckets(latency).map(\.le)
                == ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "+Inf"]
        )
        #expect(text.value(latency + "_count") == Double(count))
        #expect((text.value(latency + "_sum") ?? 0) > 0)
        // Batch sizes: the exact number of records scored, over as many batches as were timed.
        let sizes = ServiceMetricNames.batchSize
        #expect(text.isWellFormedHistogram(sizes), "\(scrape.body)")
        #expect(text.value(sizes + "_sum") == Double(count))
        #expect(text.value(sizes + "_count") == text.value(ServiceMetricNames.batchSeconds + "_count"))
        #expect(text.isWellFormedHistogram(ServiceMetricNames.batchSeconds), "\(scrape.body)")
        #expect(text.value(ServiceMetricNames.consumed) == Double(count))
        #expect(text.value(ServiceMetricNames.acknowledged) == Double(count))
        #expect(text.value(ServiceMetricNames.assignedPartitions) == 4)

        // The second backend, after the scrape's flush: the same counts and the same sums.
        #expect(backend.counterTotal(label: ServiceMetricNames.consumed) == Int64(count))
        #expect(backend.counterTotal(label: ServiceMetricNames.acknowledged) == Int64(count))
        let timer = try backend.expectTimer(ServiceMetricNames.latency)
        #expect(timer.values.count == count)
        let prometheusSum = try #require(text.value(latency + "_sum"))
        #expect(abs(Double(timer.values.reduce(0, +)) / 1e9 - prometheusSum) < 1e-9)
        let recorder = try backend.expectRecorder(ServiceMetricNames.batchSize)
        #expect(recorder.values.reduce(0, +) == Double(count))

        #expect(pipeline.stop(timeoutSeconds: 20))
        #expect(TestSocket.request("/readyz", port: server.port)?.status == 503, "stopped: no partitions")
    }
}
