import CoreMetrics
import Kafka
import Synchronization

/// Reports the pipeline's statistics through swift-metrics, from whatever factory it was given:
/// the process's `MetricsSystem.factory` by default, or one of a test's own.
///
/// The hot path never calls swift-metrics: its threads bump relaxed atomics and record into
/// ``AtomicHistogram``s, and ``flush(_:)`` (every second on the pipeline's metrics thread, and at
/// each Prometheus scrape) pushes what changed since the last flush: counter deltas, gauge values,
/// and each histogram's new observations replayed at their bucket's mean (exact counts per bucket
/// and exact sums; see ``AtomicHistogram/Snapshot/replay(since:_:)``). So the cost per record does
/// not depend on the backend, and no backend lock is taken on a worker or the producer thread.
///
/// Memory ordering: the swift-metrics handles are immutable and thread-safe themselves; the last
/// reading pushed and the per-partition gauges sit behind one mutex, and the reading is taken
/// inside it, so two flushes (the timer's and a scrape) never push the same delta twice.
package final class PipelineMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters: [Counter]
    private let gauges: [Gauge]
    private let latency: Timer
    private let batchSeconds: Timer
    private let batchSizes: Recorder
    private let state = Mutex(State())

    private struct State {
        var last = PipelineReading.zero
        var lag: [TopicPartition: Gauge] = [:]
        var brokersUp: Gauge?
        var latencyWindowP99: Gauge?
    }

    package init(factory: any MetricsFactory) {
        self.factory = factory
        counters = PipelineReading.counterSeries.map {
            Counter(label: $0.name, dimensions: $0.dimensions, factory: factory)
        }
        gauges = PipelineReading.gaugeSeries.map { Gauge(label: $0.name, factory: factory) }
        latency = Timer(label: ServiceMetricNames.latency, factory: factory)
        batchSeconds = Timer(label: ServiceMetricNames.batchSeconds, factory: factory)
        batchSizes = Recorder(label: ServiceMetricNames.batchSize, aggregate: true, factory: factory)
    }

    /// Whether flushing reaches anything: not with swift-metrics' no-op factory (the default when
    /// nothing was bootstrapped), so the pipeline then runs no metrics thread.
    package var isReporting: Bool { !(factory is NOOPMetricsHandler) }

    /// Takes a reading and pushes what changed since the previous flush.
    package func flush(_ read: () -> PipelineReading) {
        state.withLock { state in
            let now = read()
            let last = state.last
            for (index, series) in PipelineReading.counterSeries.enumerated() {
                let delta = series.value(now) - series.value(last)
                if delta > 0 { counters[index].increment(by: delta) }
            }
            for (index, series) in PipelineReading.gaugeSeries.enumerated() {
                gauges[index].record(series.value(now))
            }
            now.latency.replay(since: last.latency) { latency.recordNanoseconds($0) }
            now.batchSeconds.replay(since: last.batchSeconds) { batchSeconds.recordNanoseconds($0) }
            now.batchSizes.replay(since: last.batchSizes) { batchSizes.record($0) }
            report(lag: now.consumerLag, into: &state.lag)
            if let brokersUp = now.brokersUp {
                state.brokersUp = state.brokersUp ?? Gauge(label: ServiceMetricNames.brokersUp, factory: factory)
                state.brokersUp?.record(brokersUp)
            }
            if let p99 = now.latencyWindowP99 {
                state.latencyWindowP99 =
                    state.latencyWindowP99 ?? Gauge(label: ServiceMetricNames.latencyWindowP99, factory: factory)
                state.latencyWindowP99?.record(Double(p99) / 1e9)
            }
            state.last = now
        }
    }

    /// Sets each reported partition's lag gauge, and removes the gauges of partitions no longer
    /// reported (revoked), so a backend does not keep showing their last lag.
    private func report(lag: [TopicPartition: Int64], into gauges: inout [TopicPartition: Gauge]) {
        for (partition, records) in lag {
            let gauge =
                gauges[partition]
                ?? Gauge(
                    label: ServiceMetricNames.consumerLag,
                    dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
                    factory: factory
                )
            gauges[partition] = gauge
            gauge.record(records)
        }
        for (partition, gauge) in gauges where lag[partition] == nil {
            gauge.destroy()
            gauges[partition] = nil
        }
    }
}
