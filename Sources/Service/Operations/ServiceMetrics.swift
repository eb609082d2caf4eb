import Foundation
import Inference
import Kafka

/// The service's metrics in the Prometheus text format (version 0.0.4), read from the pipeline's
/// counters at each scrape, and the readiness verdict for `/readyz`.
public struct ServiceMetrics: Sendable {
    let pipeline: Pipeline
    let models: ModelSwitch
    let reloader: ModelReloader?

    public init(pipeline: Pipeline, models: ModelSwitch, reloader: ModelReloader?) {
        self.pipeline = pipeline
        self.models = models
        self.reloader = reloader
    }

    /// What `/readyz` reports: nothing when the service has partitions, sees a broker and has a
    /// model (it always has one once running: a bad model stops `serve` at start).
    public func notReady() -> [String] {
        var reasons: [String] = []
        if pipeline.assignment().isEmpty { reasons.append("no partitions assigned") }
        if let brokersUp = pipeline.brokersUp, brokersUp == 0 { reasons.append("no broker up") }
        let stalled = pipeline.partitionsPausedByInFlightLimit
        if !stalled.isEmpty {
            let names = stalled.prefix(5).map(\.description).joined(separator: ", ")
            reasons.append(
                "\(stalled.count) partition(s) paused at max-in-flight-per-partition (\(pipeline.configuration.maxInFlightPerPartition) unacknowledged): \(names)\(stalled.count > 5 ? ", ..." : "")"
            )
        }
        return reasons
    }

    /// The exposition text.
    public func text() -> String {
        var out = ""
        let counts = pipeline.counters.snapshot
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        func counter(_ name: String, _ help: String, _ value: Int) {
            metric(name, "counter", help, [("", String(value))])
        }
        func gauge(_ name: String, _ help: String, _ value: Int) {
            metric(name, "gauge", help, [("", String(value))])
        }
        let counters: [(name: String, help: String, value: Int)] = [
            ("anomaly_consumed_total", "Requests consumed from the input topic.", counts.consumed),
            ("anomaly_predicted_total", "Predictions handed to the producer.", counts.predicted),
            ("anomaly_anomalous_total", "Predictions that flagged the request as anomalous.", counts.anomalous),
            ("anomaly_dead_lettered_total", "Inputs sent to the dead-letter topic.", counts.deadLettered),
            ("anomaly_produced_total", "Outputs (predictions and dead letters) handed to librdkafka.", counts.produced),
            ("anomaly_acknowledged_total", "Outputs the broker acknowledged.", counts.acknowledged),
            ("anomaly_delivery_failures_total", "Outputs whose delivery failed.", counts.deliveryFailures),
            (
                "anomaly_unanswerable_total",
                "Inputs whose answer and minimal dead letter were both refused (logged; offset released).",
                counts.unanswerable
            ),
            (
                "anomaly_truncated_dead_letters_total", "Dead letters cut to fit the message size.",
                counts.truncatedDeadLetters
            ),
            (
                "anomaly_back_pressure_pauses_total",
                "Times a consumer paused its partitions (a full ring, the byte budget, or a window).",
                counts.backPressurePauses
            ),
            ("anomaly_rebalances_total", "Rebalance callbacks served.", pipeline.rebalances),
            ("anomaly_revoked_partitions_total", "Partitions revoked from this process.", counts.revokedPartitions),
            (
                "anomaly_offsets_stored_total", "Input offsets stored for commit (answer acknowledged).",
                counts.offsetsStored
            ),
        ]
        for (name, help, value) in counters { counter(name, help, value) }
        gauge("anomaly_ring_depth", "Records waiting in the input rings.", pipeline.ringDepth)
        gauge("anomaly_in_flight", "Records consumed and not yet acknowledged.", pipeline.inFlight)
        gauge(
            "anomaly_in_flight_bytes",
            "Bytes of records held between the consumers and the producer's queue (bounded by max-in-flight-bytes).",
            pipeline.heldBytes
        )
        gauge(
            "anomaly_partitions_paused_in_flight",
            "Partitions paused because their unacknowledged records reached max-in-flight-per-partition.",
            pipeline.partitionsPausedByInFlightLimit.count
        )
        gauge("anomaly_assigned_partitions", "Input partitions assigned to this process.", pipeline.assignment().count)
        let model = models.current.model
        metric(
            "anomaly_model_info",
            "gauge",
            "The model in use (value 1); a reload changes the labels.",
            [("{name=\"\(escape(model.name))\",version=\"\(escape(model.version))\",kernel=\"\(model.kernel)\"}", "1")]
        )
        if let reloader {
            counter(
                "anomaly_model_reloads_total",
                "Models loaded after start (SIGHUP or a changed file).",
                reloader.reloads
            )
            counter(
                "anomaly_model_reload_failures_total",
                "Model files refused on reload (the old model stayed).",
                reloader.failures
            )
        }
        let partitions = pipeline.partitionStatistics.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        metric(
            "anomaly_consumer_lag",
            "gauge",
            "Records behind the high watermark, per input partition (librdkafka statistics).",
            partitions.map { ("{topic=\"\(escape($0.topic))\",partition=\"\($0.partition)\"}", String($0.consumerLag)) }
        )
        if let brokersUp = pipeline.brokersUp {
            gauge("anomaly_brokers_up", "Brokers up as the consumers last saw them.", brokersUp)
        }

        // Batch sizes: buckets 1, 2-3, 4-7, ... as cumulative `le` bounds 1, 3, 7, ...
        let sizes = pipeline.batchSizes.counts
        var cumulative = 0
        var weighted = 0.0
        var samples: [(labels: String, value: String)] = []
        for (bucket, count) in sizes.enumerated() {
            cumulative += count
            weighted += Double(count) * Double(1 << bucket) * 1.5
            if bucket < sizes.count - 1 { samples.append(("{le=\"\((1 << (bucket + 1)) - 1)\"}", String(cumulative))) }
        }
        samples.append(("{le=\"+Inf\"}", String(cumulative)))
        metric("anomaly_batch_size", "histogram", "Records per micro-batch (sum estimated from bucket midpoints).", [])
        out += samples.map { "anomaly_batch_size_bucket\($0.labels) \($0.value)\n" }.joined()
        out += "anomaly_batch_size_sum \(weighted)\nanomaly_batch_size_count \(cumulative)\n"

        // Processing time per micro-batch: buckets < 1 µs, then powers of two.
        let times = pipeline.scoringTimes.counts
        cumulative = 0
        out += "# HELP anomaly_batch_seconds Time per micro-batch in parsing, features and scoring.\n"
        out += "# TYPE anomaly_batch_seconds histogram\n"
        for (bucket, count) in times.enumerated() {
            cumulative += count
            if bucket < times.count - 1 {
                out += "anomaly_batch_seconds_bucket{le=\"\(Double(1 << bucket) / 1e6)\"} \(cumulative)\n"
            }
        }
        out += "anomaly_batch_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out +=
            "anomaly_batch_seconds_sum \(pipeline.scoringTimes.sumSeconds)\nanomaly_batch_seconds_count \(cumulative)\n"

        // Receipt to hand-off to the producer (librdkafka accepted the answer), since start: a summary
        // with the service's quantiles.
        let latency = pipeline.latency.snapshot()
        out +=
            "# HELP anomaly_latency_seconds Time from receiving a request to handing its answer to the Kafka producer.\n"
        out += "# TYPE anomaly_latency_seconds summary\n"
        for quantile in [0.5, 0.9, 0.99, 0.999] {
            out +=
                "anomaly_latency_seconds{quantile=\"\(quantile)\"} \(Double(latency.value(atQuantile: quantile)) / 1e9)\n"
        }
        out += "anomaly_latency_seconds_count \(latency.total)\n"
        return out
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
