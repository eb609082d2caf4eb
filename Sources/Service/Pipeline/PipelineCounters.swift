import Synchronization

/// Monotonic counters the pipeline's threads bump and anyone may read.
///
/// Relaxed atomics throughout: each counter is an independent statistic, read for reporting, never
/// used to order other memory.
public final class PipelineCounters: Sendable {
    /// Records consumed from Kafka.
    public let consumed = Atomic<Int>(0)
    /// Outputs handed to librdkafka, by kind.
    public let predicted = Atomic<Int>(0)
    public let deadLettered = Atomic<Int>(0)
    public let anomalous = Atomic<Int>(0)
    /// Outputs handed to librdkafka.
    public let produced = Atomic<Int>(0)
    /// Outputs the broker acknowledged.
    public let acknowledged = Atomic<Int>(0)
    /// Delivery reports with an error, and produce calls refused outright.
    public let deliveryFailures = Atomic<Int>(0)
    /// Dead letters cut to fit the size limit.
    public let truncatedDeadLetters = Atomic<Int>(0)
    /// Records whose answer and minimal dead letter were both refused for good: logged, and their
    /// offsets released.
    public let unanswerable = Atomic<Int>(0)
    /// Records left unanswered at shutdown because what they waited for (a schema registry) did
    /// not answer in time; their offsets are not committed, so they are read again.
    public let leftUnanswered = Atomic<Int>(0)
    /// Times a consumer paused its partitions because a ring or a partition window was full.
    public let backPressurePauses = Atomic<Int>(0)
    /// Partitions revoked, and records still unacknowledged when a revocation gave up waiting
    /// (their outputs may be produced twice: once here, once by the new owner).
    public let revokedPartitions = Atomic<Int>(0)
    public let unacknowledgedOnRevoke = Atomic<Int>(0)
    /// Offsets stored for commit.
    public let offsetsStored = Atomic<Int>(0)
    /// Exactly-once: transactions committed, and transactions aborted (their answers sent again).
    public let transactionsCommitted = Atomic<Int>(0)
    public let transactionsAborted = Atomic<Int>(0)

    init() {}

    /// A consistent-enough copy for reporting.
    public var snapshot: PipelineCounts {
        PipelineCounts(
            consumed: consumed.load(ordering: .relaxed),
            predicted: predicted.load(ordering: .relaxed),
            deadLettered: deadLettered.load(ordering: .relaxed),
            anomalous: anomalous.load(ordering: .relaxed),
            produced: produced.load(ordering: .relaxed),
            acknowledged: acknowledged.load(ordering: .relaxed),
            deliveryFailures: deliveryFailures.load(ordering: .relaxed),
            truncatedDeadLetters: truncatedDeadLetters.load(ordering: .relaxed),
            unanswerable: unanswerable.load(ordering: .relaxed),
            leftUnanswered: leftUnanswered.load(ordering: .relaxed),
            backPressurePauses: backPressurePauses.load(ordering: .relaxed),
            revokedPartitions: revokedPartitions.load(ordering: .relaxed),
            unacknowledgedOnRevoke: unacknowledgedOnRevoke.load(ordering: .relaxed),
            offsetsStored: offsetsStored.load(ordering: .relaxed),
            transactionsCommitted: transactionsCommitted.load(ordering: .relaxed),
            transactionsAborted: transactionsAborted.load(ordering: .relaxed)
        )
    }
}

/// A copy of ``PipelineCounters`` at one moment.
public struct PipelineCounts: Sendable, Equatable {
    public var consumed: Int
    public var predicted: Int
    public var deadLettered: Int
    public var anomalous: Int
    public var produced: Int
    public var acknowledged: Int
    public var deliveryFailures: Int
    public var truncatedDeadLetters: Int
    public var unanswerable: Int
    public var leftUnanswered: Int
    public var backPressurePauses: Int
    public var revokedPartitions: Int
    public var unacknowledgedOnRevoke: Int
    public var offsetsStored: Int
    public var transactionsCommitted: Int
    public var transactionsAborted: Int
}
