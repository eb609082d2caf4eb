#if canImport(Glibc)
import Glibc
#endif
import Kafka
import Logging
import Platform
import RingBuffer
import Synchronization

/// The dedicated polling thread of one consumer: polls Kafka, registers each record with the
/// offset tracker, and pushes it into this consumer's SPMC ring for the workers.
///
/// Back-pressure: when the ring is full the poller stops taking records from librdkafka (whose
/// local queue is bounded by `queued.max.messages.kbytes`) and holds what it already polled in
/// `pending`, in order, still polling every 100 ms to serve rebalances. When a whole ring's worth
/// is pending, or a partition has too many unacknowledged records, it pauses the affected
/// partitions (librdkafka stops fetching and drops what it had prefetched for them) and resumes
/// them when the ring is below a quarter full and the windows have drained to half their limit.
/// Memory is thus bounded by the ring, as much again pending, librdkafka's queue and the windows.
///
/// Everything but ``requestStop()`` runs on the polling thread, including the rebalance handlers
/// (librdkafka calls them from `poll`), so the mutable state below needs no lock.
final class ConsumerPoller: @unchecked Sendable {
    let index: Int
    let ring: SPMCRing<InputRecord>
    private let tracker: OffsetTracker
    private let counters: PipelineCounters
    private let settings: Settings
    private let logger: Logger
    /// 0 running, 1 draining (take nothing new), 2 closing. Written by the pipeline with release,
    /// read by the polling thread with acquire, which orders the rings' closing before the close.
    private let phase = Atomic<Int>(0)
    /// Set by the polling thread (release) once it has paused everything and dropped its pending
    /// records: from then on it pushes nothing, so the pipeline may close the ring.
    private let drainedFlag = Atomic<Bool>(false)
    private var draining = false
    /// Set once by `attach` before the thread starts; read only on the polling thread.
    private var consumer: KafkaConsumer?

    private var pending: [InputRecord] = []
    private var pendingHead = 0
    private var pausedForRing = false
    private var lastPoll: Int64 = 0
    private var pausedPartitions: Set<TopicPartition> = []
    private var assigned: Set<TopicPartition> = []

    struct Settings {
        var pollBatch = 1_024
        var maxInFlightPerPartition = 100_000
        var revokeTimeoutSeconds = 10.0
    }

    init(
        index: Int,
        ring: SPMCRing<InputRecord>,
        tracker: OffsetTracker,
        counters: PipelineCounters,
        settings: Settings,
        logger: Logger
    ) {
        self.index = index
        self.ring = ring
        self.tracker = tracker
        self.counters = counters
        self.settings = settings
        var logger = logger
        logger[metadataKey: "consumer"] = "\(index)"
        self.logger = logger
    }

    /// Rebalance handlers that route to this poller; install them on its consumer.
    var rebalanceHandlers: RebalanceHandlers {
        RebalanceHandlers(
            assigned: { [weak self] consumer, partitions in self?.partitionsAssigned(partitions, consumer: consumer) },
            revoked: { [weak self] consumer, partitions, lost in
                self?.partitionsRevoked(partitions, lost: lost, consumer: consumer)
            }
        )
    }

    func attach(_ consumer: KafkaConsumer) {
        self.consumer = consumer
    }

    /// Asks the poller to take no new records: it pauses its partitions, withdraws what it holds
    /// and keeps serving callbacks (rebalances) until ``requestClose()``.
    func requestDrain() {
        phase.store(max(1, phase.load(ordering: .relaxed)), ordering: .releasing)
    }

    /// Whether the poller has stopped pushing into its ring (see ``requestDrain()``).
    var isDrained: Bool { drainedFlag.load(ordering: .acquiring) }

    /// Asks the poller to commit, close its consumer (leaving the group) and return from ``run()``.
    func requestClose() {
        phase.store(2, ordering: .releasing)
    }

    /// The polling loop: runs until ``requestClose()``, then closes the consumer on this thread,
    /// which serves the final revocation while the other pollers keep serving theirs.
    func run() {
        guard let consumer else { preconditionFailure("ConsumerPoller.run before attach") }
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(settings.pollBatch)
        var iteration = 0
        while true {
            let phase = self.phase.load(ordering: .acquiring)
            if phase >= 1 && !draining { enterDrain(consumer) }
            if phase == 2 { break }
            if draining {
                // Paused: nothing should arrive; anything that does was never registered, so it
                // is simply read again by whoever owns the partition next.
                batch.removeAll(keepingCapacity: true)
                consumer.poll(into: &batch, maxMessages: settings.pollBatch, timeoutMilliseconds: 20)
                continue
            }
            iteration &+= 1
            pushPending()
            if hasPending {
                // The ring is full. Hold what was polled, and pause only once a whole ring's worth
                // waits: librdkafka 2.0.2 takes about a second to fetch again after a resume, so
                // pausing is the second line of defence; its bounded local queue is the first.
                if pendingCount >= ring.capacity { pauseAssignment(consumer) }
                if ring.push(pending[pendingHead], timeout: .milliseconds(5)) {
                    pendingHead += 1
                    pushPending()
                }
                // Keep serving callbacks (rebalances) at least every 100 ms while waiting.
                if hasPending && MonotonicDeadline.now().nanoseconds - lastPoll < 100_000_000 { continue }
            } else if pausedForRing && ring.count <= ring.capacity / 4 {
                resumeAssignment(consumer)
            }
            if iteration % 64 == 0 { balancePartitionWindows(consumer) }

            batch.removeAll(keepingCapacity: true)
            lastPoll = MonotonicDeadline.now().nanoseconds
            let count = consumer.poll(
                into: &batch,
                maxMessages: hasPending ? 256 : settings.pollBatch,
                timeoutMilliseconds: hasPending ? 0 : 10
            )
            guard count > 0 else { continue }
            counters.consumed.add(count, ordering: .relaxed)
            let now = MonotonicDeadline.now().nanoseconds
            for message in batch {
                let ticket = tracker.begin(message.topicPartition, offset: message.offset, consumer: index)
                pending.append(InputRecord(message: message, ticket: ticket, receivedNanoseconds: now))
            }
            pushPending()
        }
        do {
            try consumer.commit()
        } catch {
            logger.debug("final commit: \(error)")
        }
        do {
            try consumer.close()
        } catch {
            logger.warning("closing the consumer failed: \(error)")
        }
    }

    private func enterDrain(_ consumer: KafkaConsumer) {
        draining = true
        withdrawPending { _ in true }
        pause(Array(assigned), consumer)
        drainedFlag.store(true, ordering: .releasing)
    }

    private var hasPending: Bool { pendingHead < pending.count }
    private var pendingCount: Int { pending.count - pendingHead }

    /// Moves pending records into the ring, in order, until it is full.
    private func pushPending() {
        while pendingHead < pending.count {
            guard ring.tryPush(pending[pendingHead]) else { break }
            pendingHead += 1
        }
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        } else if pendingHead > 4_096 {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Drops pending records matching `predicate` and withdraws them from the tracker: they were
    /// never handed to a worker, and whoever owns their partition next will read them again.
    private func withdrawPending(where predicate: (TopicPartition) -> Bool) {
        var firstWithdrawn: [TopicPartition: Int64] = [:]
        var kept: [InputRecord] = []
        for record in pending[pendingHead...] {
            let partition = record.message.topicPartition
            if predicate(partition) {
                if firstWithdrawn[partition] == nil { firstWithdrawn[partition] = record.message.offset }
            } else {
                kept.append(record)
            }
        }
        for (partition, offset) in firstWithdrawn { tracker.withdraw(partition, from: offset) }
        pending = kept
        pendingHead = 0
    }

    private func pauseAssignment(_ consumer: KafkaConsumer) {
        guard !pausedForRing else { return }
        pausedForRing = true
        counters.backPressurePauses.add(1, ordering: .relaxed)
        logger.debug("input ring full: pausing \(assigned.count) partitions")
        pause(Array(assigned), consumer)
    }

    private func resumeAssignment(_ consumer: KafkaConsumer) {
        pausedForRing = false
        let resumable = assigned.filter { !pausedPartitions.contains($0) }
        logger.debug("input ring drained: resuming \(resumable.count) partitions")
        resume(Array(resumable), consumer)
    }

    /// Pauses partitions whose unacknowledged window passed its limit; resumes them at half.
    private func balancePartitionWindows(_ consumer: KafkaConsumer) {
        for partition in assigned {
            let inFlight = tracker.inFlight(partition)
            if inFlight >= settings.maxInFlightPerPartition && !pausedPartitions.contains(partition) {
                pausedPartitions.insert(partition)
                counters.backPressurePauses.add(1, ordering: .relaxed)
                logger.warning("partition \(partition) has \(inFlight) unacknowledged records: pausing it")
                pause([partition], consumer)
            } else if inFlight <= settings.maxInFlightPerPartition / 2 && pausedPartitions.contains(partition) {
                pausedPartitions.remove(partition)
                if !pausedForRing { resume([partition], consumer) }
            }
        }
    }

    private func pause(_ partitions: [TopicPartition], _ consumer: KafkaConsumer) {
        do { try consumer.pause(partitions) } catch { logger.warning("pause failed: \(error)") }
    }

    private func resume(_ partitions: [TopicPartition], _ consumer: KafkaConsumer) {
        do { try consumer.resume(partitions) } catch { logger.warning("resume failed: \(error)") }
    }

    private func partitionsAssigned(_ partitions: [TopicPartition], consumer: KafkaConsumer) {
        assigned.formUnion(partitions)
        logger.info("assigned \(partitions.count) partitions: \(partitions.map(\.description).sorted().joined(separator: ","))")
        if pausedForRing || draining { pause(partitions, consumer) }
    }

    /// Runs before the partitions are given up: stop handing out their records, wait (bounded) for
    /// those in flight to be acknowledged, store and commit their watermark, then forget them.
    private func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool, consumer: KafkaConsumer) {
        let revoked = Set(partitions)
        counters.revokedPartitions.add(partitions.count, ordering: .relaxed)
        withdrawPending { revoked.contains($0) }
        if !lost {
            let deadline = MonotonicDeadline.after(.milliseconds(Int64(settings.revokeTimeoutSeconds * 1_000)))
            while partitions.contains(where: { tracker.inFlight($0) > 0 }) && !deadline.hasPassed {
                sleepThread(for: .microseconds(1_000))  // workers and the producer thread make progress meanwhile
            }
            let left = partitions.reduce(0) { $0 + tracker.inFlight($1) }
            if left > 0 {
                counters.unacknowledgedOnRevoke.add(left, ordering: .relaxed)
                logger.warning("revocation gave up waiting: \(left) records unacknowledged may be produced twice")
            }
            let positions = tracker.committablePositions(for: partitions)
            do {
                try consumer.storeOffsets(positions)
                try consumer.commit()
                counters.offsetsStored.add(positions.count, ordering: .relaxed)
            } catch {
                logger.warning("commit on revocation failed: \(error)")
            }
        } else {
            logger.warning("lost \(partitions.count) partitions (session timeout): not committing them")
        }
        tracker.forget(partitions)
        assigned.subtract(revoked)
        pausedPartitions.subtract(revoked)
        logger.info("revoked \(partitions.count) partitions\(lost ? " (lost)" : "")")
    }
}
