import Kafka
import Logging
import Platform
import Synchronization

/// The one place offsets are stored and committed: the producer thread stores the watermarks
/// acknowledgements advanced, which librdkafka's commit timer sends every interval; a polling
/// thread commits its partitions' final watermark when they are revoked; shutdown commits
/// everything once more.
///
/// Every offset stored is a watermark the ``OffsetTracker`` yields: all records below it have had
/// their output acknowledged. The periodic commit is librdkafka's timer over that store
/// (``consumerSettings``) rather than a call from here, because librdkafka holds it back while a
/// rebalance is in progress: a commit sent then fails with an invalid generation, and librdkafka
/// answers that by declaring the whole assignment lost.
///
/// Under exactly-once (`transactions` set) offsets go only through the producer thread's
/// transactions: a revocation asks it to commit the open transaction and waits, and nothing is
/// stored or committed here.
///
/// Thread safety: consumers are registered once each, before the threads start, under a mutex.
/// librdkafka's store and commit calls are thread-safe.
final class OffsetCommitter: Sendable {
    private let tracker: OffsetTracker
    private let counters: PipelineCounters
    private let logger: Logger
    private let consumers = Mutex<[Int: KafkaConsumer]>([:])
    private let transactions: TransactionCommitRequests?
    private let transactionWaitSeconds: Double

    /// The consumer properties this committer relies on: offsets stored only by it, and the
    /// stored ones committed by librdkafka's timer every `auto.commit.interval.ms`.
    static let consumerSettings = ["enable.auto.offset.store": "false", "enable.auto.commit": "true"]

    /// - Parameters:
    ///   - transactions: exactly-once: where revocations ask for a commit; nil: at-least-once.
    ///   - transactionWaitSeconds: how long a revocation waits for that commit.
    init(
        tracker: OffsetTracker,
        counters: PipelineCounters,
        logger: Logger,
        transactions: TransactionCommitRequests? = nil,
        transactionWaitSeconds: Double = 10
    ) {
        self.tracker = tracker
        self.counters = counters
        self.logger = logger
        self.transactions = transactions
        self.transactionWaitSeconds = transactionWaitSeconds
    }

    /// Registers the consumer of polling thread `index`; called once per consumer, by its poller.
    func register(_ consumer: KafkaConsumer, index: Int) {
        consumers.withLock { $0[index] = consumer }
    }

    private func consumer(_ index: Int) -> KafkaConsumer? {
        consumers.withLock { $0[index] }
    }

    /// Consumer `index`'s group metadata now, for its offsets in a transaction; nil when it is
    /// not registered or has none (closed).
    func groupMetadata(consumer index: Int) -> ConsumerGroupMetadata? {
        try? consumer(index)?.groupMetadata()
    }

    /// Producer thread, every few milliseconds: stores the watermarks that moved.
    func storeAdvanced() {
        let committable = tracker.takeCommittable()
        for (index, entries) in Dictionary(grouping: committable, by: \.consumer) {
            do {
                try consumer(index)?.storeOffsets(entries.map(\.position))
                counters.offsetsStored.add(entries.count, ordering: .relaxed)
            } catch {
                // A partition revoked meanwhile: its new owner commits from its own progress.
                logger.debug("storing offsets failed: \(error)")
            }
        }
    }

    /// Polling thread, when `partitions` are revoked from consumer `index`: stores their final
    /// watermark and commits it synchronously, before another member can start reading them.
    func commitRevoked(_ partitions: [TopicPartition], consumer index: Int) {
        if let transactions {
            let deadline = MonotonicDeadline.after(.milliseconds(Int64(transactionWaitSeconds * 1_000)))
            if !transactions.commitAndWait(until: deadline) && !partitions.isEmpty {
                logger.warning(
                    "exactly-once: revoking \(partitions.count) partitions without a commit of their answers: the next owner answers them again, and answers not committed here are never visible"
                )
            }
            return
        }
        guard let consumer = consumer(index) else { return }
        let positions = tracker.committablePositions(for: partitions)
        do {
            try consumer.storeOffsets(positions)
            try consumer.commit()
            counters.offsetsStored.add(positions.count, ordering: .relaxed)
        } catch {
            logger.warning("commit on revocation failed: \(error)")
        }
    }

    /// Shutdown, after the producer thread stored its last watermarks: commits every consumer's
    /// stored offsets while the group is still stable, retrying while a rebalance is in progress
    /// (the polling threads keep serving it meanwhile).
    func commitAll(before deadline: MonotonicDeadline) {
        // Under exactly-once the producer thread's last transaction committed the offsets.
        guard transactions == nil else { return }
        for (index, consumer) in consumers.withLock({ $0.sorted { $0.key < $1.key } }) {
            while true {
                do {
                    try consumer.commit()
                    break
                } catch {
                    guard !deadline.hasPassed else {
                        logger.warning("final commit of consumer \(index) failed: \(error)")
                        break
                    }
                    sleepThread(for: .milliseconds(100))
                }
            }
        }
    }
}
