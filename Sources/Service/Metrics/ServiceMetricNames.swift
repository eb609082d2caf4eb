/// The swift-metrics labels the service reports under (the Prometheus series names), and the
/// bucket bounds of its histograms, for a backend that needs them (``PrometheusExporter`` gives
/// them to its factory). docs/OPERATIONS.md, "Metrics", says what each series means.
public enum ServiceMetricNames {
    // Counters (swift-metrics `Counter`), pushed as deltas of the pipeline's atomics.
    public static let consumed = "anomaly_consumed_total"
    public static let predicted = "anomaly_predicted_total"
    public static let anomalous = "anomaly_anomalous_total"
    public static let deadLettered = "anomaly_dead_lettered_total"
    public static let produced = "anomaly_produced_total"
    public static let acknowledged = "anomaly_acknowledged_total"
    public static let deliveryFailures = "anomaly_delivery_failures_total"
    public static let unanswerable = "anomaly_unanswerable_total"
    public static let leftUnanswered = "anomaly_left_unanswered_total"
    public static let truncatedDeadLetters = "anomaly_truncated_dead_letters_total"
    public static let backPressurePauses = "anomaly_back_pressure_pauses_total"
    public static let rebalances = "anomaly_rebalances_total"
    public static let revokedPartitions = "anomaly_revoked_partitions_total"
    public static let offsetsStored = "anomaly_offsets_stored_total"
    public static let transactionsCommitted = "anomaly_transactions_committed_total"
    public static let transactionsAborted = "anomaly_transactions_aborted_total"
    public static let modelReloads = "anomaly_model_reloads_total"
    public static let modelReloadFailures = "anomaly_model_reload_failures_total"
    public static let schemaRegistryRetries = "anomaly_schema_registry_retries_total"
    /// Dimension `verdict`: ``ShadowAgreement`` (`both_anomalous`, `only_main`, `only_shadow`,
    /// `both_normal`); predictions whose shadow verdict agreed, or not, with the main one.
    public static let shadowAgreement = "anomaly_shadow_agreement_total"
    /// Predictions the shadow model could not score (a non-finite score).
    public static let shadowUnscorable = "anomaly_shadow_unscorable_total"
    /// Shadow records (`shadow-output`) refused by librdkafka or the broker, dropped.
    public static let shadowDeliveryFailures = "anomaly_shadow_delivery_failures_total"

    // Gauges (swift-metrics `Gauge`).
    public static let ringDepth = "anomaly_ring_depth"
    public static let inFlight = "anomaly_in_flight"
    public static let inFlightBytes = "anomaly_in_flight_bytes"
    public static let partitionsPausedInFlight = "anomaly_partitions_paused_in_flight"
    public static let assignedPartitions = "anomaly_assigned_partitions"
    /// Records a worker takes per micro-batch at most, now: `max-batch`, or under
    /// `latency-budget-ms` the size the budget chose (1 to `max-batch`).
    public static let batchTargetSize = "anomaly_batch_target_size"
    /// Under `latency-budget-ms`: the p99 of receipt-to-hand-off latency over the budget's last
    /// 100 ms window with answers, in seconds (what the batch size is chosen by); absent without a
    /// budget.
    public static let latencyWindowP99 = "anomaly_latency_window_p99_seconds"
    /// Dimensions `topic`, `partition`.
    public static let consumerLag = "anomaly_consumer_lag"
    public static let brokersUp = "anomaly_brokers_up"
    /// Dimensions `name`, `version`, `kernel`; value 1.
    public static let modelInfo = "anomaly_model_info"
    /// As ``modelInfo``, for the shadow model (absent without one).
    public static let shadowModelInfo = "anomaly_shadow_model_info"

    // Histograms: `Timer`s (nanoseconds) and an aggregating `Recorder`.
    /// Receipt of a request to the hand-off of its answer to librdkafka.
    public static let latency = "anomaly_latency_seconds"
    /// Time per micro-batch in parsing, features and scoring.
    public static let batchSeconds = "anomaly_batch_seconds"
    /// Records per micro-batch.
    public static let batchSize = "anomaly_batch_size"

    /// Latency bucket bounds in nanoseconds: 0.1 ms to 100 ms, where the service's answers fall
    /// (p99 about 1 ms on a quiet box, tens of ms under back-pressure).
    public static let latencyBounds: [Int64] = [
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000,
    ]

    /// Batch time bounds in nanoseconds: 1 µs doubling to about 0.5 s (the bounds of the
    /// hand-written histogram before swift-metrics, so dashboards keep their buckets).
    public static let batchSecondsBounds: [Int64] = (0..<20).map { Int64(1_000) << $0 }

    /// Batch size bounds: 1, 3, 7, ... 32767 (sizes 1, 2-3, 4-7, ... as before).
    public static let batchSizeBounds: [Int64] = (1...15).map { (Int64(1) << $0) - 1 }
}
