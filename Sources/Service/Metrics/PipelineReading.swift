import Kafka

/// Everything the pipeline reports, read at one flush: its counters, gauges and histograms.
///
/// A plain value so that ``PipelineMetrics`` can be driven without threads or a broker.
package struct PipelineReading: Sendable {
    package var counts: PipelineCounts
    package var rebalances = 0
    package var ringDepth = 0
    package var inFlight = 0
    package var inFlightBytes = 0
    package var partitionsPausedInFlight = 0
    package var assignedPartitions = 0
    /// Lag per assigned partition from librdkafka's statistics (empty before the first report).
    package var consumerLag: [TopicPartition: Int64] = [:]
    /// Nil before the first statistics report.
    package var brokersUp: Int?
    /// The micro-batch size workers take now (`max-batch` without a latency budget).
    package var batchTargetSize = 0
    /// The latency budget's last window p99 in nanoseconds; nil without a budget or before its
    /// first window with answers.
    package var latencyWindowP99: Int64?
    package var latency: AtomicHistogram.Snapshot
    package var batchSeconds: AtomicHistogram.Snapshot
    package var batchSizes: AtomicHistogram.Snapshot

    /// Zero everywhere: what a flush compares the first reading with.
    package static let zero = PipelineReading(
        counts: PipelineCounts(
            consumed: 0,
            predicted: 0,
            deadLettered: 0,
            anomalous: 0,
            produced: 0,
            acknowledged: 0,
            deliveryFailures: 0,
            truncatedDeadLetters: 0,
            unanswerable: 0,
            leftUnanswered: 0,
            backPressurePauses: 0,
            revokedPartitions: 0,
            unacknowledgedOnRevoke: 0,
            offsetsStored: 0,
            transactionsCommitted: 0,
            transactionsAborted: 0
        ),
        latency: .init(bucketCount: ServiceMetricNames.latencyBounds.count + 1),
        batchSeconds: .init(bucketCount: ServiceMetricNames.batchSecondsBounds.count + 1),
        batchSizes: .init(bucketCount: ServiceMetricNames.batchSizeBounds.count + 1)
    )

    /// A counter series: its name, dimensions, and where a reading keeps its value.
    typealias CounterSeries = (name: String, dimensions: [(String, String)], value: @Sendable (PipelineReading) -> Int)

    /// The monotonic counters by series name and dimensions, in the order they are reported.
    static let counterSeries = pipelineCounterSeries + shadowCounterSeries

    private static let pipelineCounterSeries: [CounterSeries] = [
        (ServiceMetricNames.consumed, [], { $0.counts.consumed }),
        (ServiceMetricNames.predicted, [], { $0.counts.predicted }),
        (ServiceMetricNames.anomalous, [], { $0.counts.anomalous }),
        (ServiceMetricNames.deadLettered, [], { $0.counts.deadLettered }),
        (ServiceMetricNames.produced, [], { $0.counts.produced }),
        (ServiceMetricNames.acknowledged, [], { $0.counts.acknowledged }),
        (ServiceMetricNames.deliveryFailures, [], { $0.counts.deliveryFailures }),
        (ServiceMetricNames.unanswerable, [], { $0.counts.unanswerable }),
        (ServiceMetricNames.leftUnanswered, [], { $0.counts.leftUnanswered }),
        (ServiceMetricNames.truncatedDeadLetters, [], { $0.counts.truncatedDeadLetters }),
        (ServiceMetricNames.backPressurePauses, [], { $0.counts.backPressurePauses }),
        (ServiceMetricNames.rebalances, [], { $0.rebalances }),
        (ServiceMetricNames.revokedPartitions, [], { $0.counts.revokedPartitions }),
        (ServiceMetricNames.offsetsStored, [], { $0.counts.offsetsStored }),
        (ServiceMetricNames.shadowUnscorable, [], { $0.counts.shadowUnscorable }),
        (ServiceMetricNames.shadowDeliveryFailures, [], { $0.counts.shadowDeliveryFailures }),
        (ServiceMetricNames.transactionsCommitted, [], { $0.counts.transactionsCommitted }),
        (ServiceMetricNames.transactionsAborted, [], { $0.counts.transactionsAborted }),
    ]

    /// One agreement counter per ``ShadowAgreement``.
    private static let shadowCounterSeries: [CounterSeries] = ShadowAgreement.allCases.map { agreement in
        let value: @Sendable (PipelineReading) -> Int = { $0.counts.shadowAgreement(agreement) }
        return (ServiceMetricNames.shadowAgreement, [("verdict", agreement.rawValue)], value)
    }

    /// The single-valued gauges by series name.
    static let gaugeSeries: [(name: String, value: @Sendable (PipelineReading) -> Int)] = [
        (ServiceMetricNames.ringDepth, { $0.ringDepth }),
        (ServiceMetricNames.inFlight, { $0.inFlight }),
        (ServiceMetricNames.inFlightBytes, { $0.inFlightBytes }),
        (ServiceMetricNames.partitionsPausedInFlight, { $0.partitionsPausedInFlight }),
        (ServiceMetricNames.assignedPartitions, { $0.assignedPartitions }),
        (ServiceMetricNames.batchTargetSize, { $0.batchTargetSize }),
    ]
}
