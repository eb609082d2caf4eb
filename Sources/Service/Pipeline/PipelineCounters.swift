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
    /// Predictions whose shadow verdict agreed or not with the main one, by ``ShadowAgreement``.
    public let shadowBothAnomalous = Atomic<Int>(0)
    public let shadowOnlyMain = Atomic<Int>(0)
    public let shadowOnlyShadow = Atomic<Int>(0)
    public let shadowBothNormal = Atomic<Int>(0)
    /// Predictions the shadow model could not score (a non-finite score): no shadow verdict.
    public let shadowUnscorable = Atomic<Int>(0)
    /// Shadow records (`shadow-output`) refused by librdkafka or the broker: dropped, never retried.
    public let shadowDeliveryFailures = Atomic<Int>(0)

    package init() {}

    /// Counts the shadow verdict of a prediction whose main verdict is `main`.
    package func count(_ shadow: ShadowAnswer, main: Bool) {
        switch shadow.agreement(withMain: main) {
        case .bothAnomalous: shadowBothAnomalous.add(1, ordering: .relaxed)
        case .onlyMain: shadowOnlyMain.add(1, ordering: .relaxed)
        case .onlyShadow: shadowOnlyShadow.add(1, ordering: .relaxed)
        case .bothNormal: shadowBothNormal.add(1, ordering: .relaxed)
        case nil: shadowUnscorable.add(1, ordering: .relaxed)
        }
    }

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
            transactionsAborted: transactionsAborted.load(ordering: .relaxed),
            shadowBothAnomalous: shadowBothAnomalous.load(ordering: .relaxed),
            shadowOnlyMain: shadowOnlyMain.load(ordering: .relaxed),
            shadowOnlyShadow: shadowOnlyShadow.load(ordering: .relaxed),
            shadowBothNormal: shadowBothNormal.load(ordering: .relaxed),
            shadowUnscorable: shadowUnscorable.load(ordering: .relaxed),
            shadowDeliveryFailures: shadowDeliveryFailures.load(ordering: .relaxed)
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
    public var shadowBothAnomalous = 0
    public var shadowOnlyMain = 0
    public var shadowOnlyShadow = 0
    public var shadowBothNormal = 0
    public var shadowUnscorable = 0
    public var shadowDeliveryFailures = 0

    /// Predictions with a shadow verdict, by how it compares with the main one.
    public func shadowAgreement(_ agreement: ShadowAgreement) -> Int {
        switch agreement {
        case .bothAnomalous: shadowBothAnomalous
        case .onlyMain: shadowOnlyMain
        case .onlyShadow: shadowOnlyShadow
        case .bothNormal: shadowBothNormal
        }
    }
}
