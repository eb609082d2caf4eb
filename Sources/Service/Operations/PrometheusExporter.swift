import CoreMetrics
import Prometheus
import Synchronization

/// The Prometheus backend of `serve --metrics-port`: a swift-prometheus registry, the
/// swift-metrics factory over it with the service's histogram buckets, and what the operations
/// endpoint serves from them.
///
/// The service reports through swift-metrics only; this is the one place that knows Prometheus.
/// An application embedding ``Pipeline`` can bootstrap any other swift-metrics backend instead
/// (docs/OPERATIONS.md, "Metrics").
///
///     let exporter = PrometheusExporter.bootstrap()  // once per process
///     let server = try OperationsServer(port: 9464, content: exporter.content, logger: logger)
///     let pipeline = try Pipeline(configuration: configuration, logger: logger, makeProcessor: make)
///     try pipeline.start()
///     exporter.attach(pipeline)
///
/// Memory ordering: the attached pipeline sits behind a mutex, read by the endpoint's thread at
/// each request; the registry and factory are thread-safe themselves.
public final class PrometheusExporter: Sendable {
    /// Where the metrics are kept; ``text()`` renders it.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory over ``registry``: pass it to a ``Pipeline``, ``ModelSwitch``
    /// or ``ModelReloader`` created without bootstrapping (tests), or bootstrap it.
    public let factory: PrometheusMetricsFactory
    private let pipeline = Mutex<Pipeline?>(nil)

    /// An exporter over `registry`, not bootstrapped: only what is given ``factory`` reports here.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            ServiceMetricNames.latency: ServiceMetricNames.latencyBounds.map(Duration.nanoseconds),
            ServiceMetricNames.batchSeconds: ServiceMetricNames.batchSecondsBounds.map(Duration.nanoseconds),
        ]
        factory.valueHistogramBuckets = [
            ServiceMetricNames.batchSize: ServiceMetricNames.batchSizeBounds.map(Double.init)
        ]
        self.factory = factory
    }

    /// An exporter whose factory becomes the process's swift-metrics backend
    /// (`MetricsSystem.bootstrap`, which may happen once per process: `serve` does it).
    public static func bootstrap() -> PrometheusExporter {
        let exporter = PrometheusExporter()
        MetricsSystem.bootstrap(exporter.factory)
        return exporter
    }

    /// Makes `pipeline` the one scrapes flush and `/readyz` asks; until then the endpoint says
    /// the service is waiting for the broker.
    public func attach(_ pipeline: Pipeline) {
        self.pipeline.withLock { $0 = pipeline }
    }

    /// The exposition text (Prometheus text format 0.0.4), after pushing the attached pipeline's
    /// latest counts, so a scrape never lags the pipeline by a metrics interval.
    public func text() -> String {
        pipeline.withLock { $0 }?.flushMetrics()
        return registry.emitToString()
    }

    /// `/metrics` and `/readyz` for ``OperationsServer``.
    public var content: OperationsServer.Content {
        OperationsServer.Content(
            metrics: { [self] in text() },
            notReady: { [self] in pipeline.withLock { $0 }?.notReady() ?? ["waiting for the broker"] }
        )
    }
}
