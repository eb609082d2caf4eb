import CoreMetrics
import Inference
import Synchronization

/// `anomaly_model_info{name,version,kernel} 1` for the model in use (or, labelled
/// `anomaly_shadow_model_info`, the shadow model): a reload that changes the labels removes the old
/// series, so exactly one is reported.
///
/// Memory ordering: the gauge in use sits behind a mutex, taken inside ``ModelSwitch``'s (never
/// the other way round); models are published rarely (start and reloads), never on the hot path.
final class ModelInfoGauge: Sendable {
    private let factory: any MetricsFactory
    private let label: String
    private let current = Mutex<(labels: [String], gauge: Gauge)?>(nil)

    init(factory: any MetricsFactory, label: String = ServiceMetricNames.modelInfo) {
        self.factory = factory
        self.label = label
    }

    /// Reports `model` as the one in use.
    func show(_ model: SVMModel) {
        let dimensions = [("name", model.name), ("version", model.version), ("kernel", "\(model.kernel)")]
        let labels = dimensions.map(\.1)
        current.withLock { current in
            if let current, current.labels == labels { return }
            current?.gauge.destroy()
            let gauge = Gauge(label: label, dimensions: dimensions, factory: factory)
            gauge.record(1)
            current = (labels, gauge)
        }
    }
}
