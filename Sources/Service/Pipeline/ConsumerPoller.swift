import Kafka
import Logging
import Platform
import RingBuffer
import Synchronization

/// The dedicated polling thread of one consumer: creates the consumer, polls it, registers each
/// record with the offset tracker, and pushes it into this consumer's SPMC ring for the workers.
///
/// Back-pressure: when the ring is full the poller stops taking records from librdkafka (whose
/// local queue is bounded by `queued.max.messages.kbytes`) and holds what it already polled in
/// `pending`, in order, still polling every 100 ms to serve rebalances. When a whole ring's worth
/// is pending, or a partition has too many unacknowledged records, it pauses the affected
/// partitions (librdkafka stops fetching and drops what it had prefetched for them) and resumes
/// them when the ring is below a quarter full and the windows have drained to half their limit.
/// Memory is thus bounded by the ring, as much again pending, librdkafka's queue and the windows.
///
/// Revocation is deferred (``RebalanceHandlers/deferRevocation``): the callback pauses the
/// partitions and records them in the ``StateMachine``; the loop keeps polling and gives them up
/// once their in-flight records are acknowledged (or a deadline passes), after the
/// ``OffsetCommitter`` committed their watermark. Nothing waits inside a librdkafka callback.
///
/// Everything but ``request(_:)`` and ``isDrained`` runs on the polling thread, including the
/// rebalance handlers (librdkafka calls them from `poll`), so the mutable state below needs no lock.
final class ConsumerPoller: @unchecked Sendable {
    let index: Int
    let ring: SPMCRing<InputRecord>
    let consumer: KafkaConsumer
    private let tracker: OffsetTracker
    private let committer: OffsetCommitter
    private let budget: ByteBudget
    private let counters: PipelineCounters
    private let settings: Settings
    private let logger: Logger
    /// The pipeline's request (``StateMachine/Request`` raw value), only ever raised. Stored with
    /// release, loaded with acquire by the polling thread, which orders the rings' closing before
    /// the close request.
    private let requested = Atomic<Int>(StateMachine.Request.run.rawValue)
    /// Set by the polling thread (release) once it has paused everything and dropped its pending
    /// records: from then on it pushes nothing, so the pipeline may close the ring.
    private let drainedFlag = Atomic<Bool>(false)
    private var machine = StateMachine()

    private var pending: [InputRecord] = []
    private var pendingHead = 0
    private var pausedForBackPressure = false
    private var lastPoll: Int64 = 0
    private var pausedPartitions: Set<TopicPartition> = [] {
        didSet { pausedByWindow.withLock { $0 = pausedPartitions } }
    }
    /// A copy of ``pausedPartitions`` for `/readyz`, written by the polling thread when the set
    /// changes (rarely), read by the endpoint's thread.
    private let pausedByWindow = Mutex<Set<TopicPartition>>([])
    private var assigned: Set<TopicPartition> = []

    struct Settings {
        var pollBatch = 1_024
        var maxInFlightPerPartition = 100_000
        var revokeTimeoutSeconds = 10.0
        /// Exactly-once: answers not committed by the revocation are never visible, so a timeout
        /// costs no duplicate.
        var exactlyOnce = false
    }

    /// Creates the consumer (which subscribes and starts joining the group) and registers it with
    /// the committer. Nothing is polled before ``run()``.
    ///
    /// - Throws: ``KafkaError`` when librdkafka refuses the configuration or the client.
    init(
        index: Int,
        ring: SPMCRing<InputRecord>,
        consumerConfiguration: KafkaConfiguration,
        topics: [String],
        events: KafkaEventHandlers,
        tracker: OffsetTracker,
        committer: OffsetCommitter,
        budget: ByteBudget,
        counters: PipelineCounters,
        settings: Settings,
        logger: Logger
    ) throws(KafkaError) {
        let relay = RebalanceRelay()
        consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            topics: topics,
            rebalance: relay.handlers,
            events: events
        )
        self.index = index
        self.ring = ring
        self.tracker = tracker
        self.committer = committer
        self.budget = budget
        self.counters = counters
        self.settings = settings
        var logger = logger
        logger[metadataKey: "consumer"] = "\(index)"
        self.logger = logger
        relay.target = self
        committer.register(consumer, index: index)
    }

    /// Raises the pipeline's request: `.drain` takes nothing new (partitions paused, pending
    /// records withdrawn) while rebalances are still served; `.close` closes the consumer and
    /// ends ``run()``.
    func request(_ request: StateMachine.Request) {
        requested.store(max(request.rawValue, requested.load(ordering: .relaxed)), ordering: .releasing)
    }

    /// Whether the poller has stopped pushing into its ring (see ``request(_:)``).
    var isDrained: Bool { drainedFlag.load(ordering: .acquiring) }

    /// Partitions paused because their unacknowledged window reached its limit.
    var partitionsPausedByInFlightLimit: Set<TopicPartition> { pausedByWindow.withLock { $0 } }

    /// The polling loop: runs until `.close` is requested, then closes the consumer on this
    /// thread, which serves the final revocation while the other pollers keep serving theirs.
    func run() {
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(settings.pollBatch)
        var tickets: [OffsetTracker.Ticket?] = []
        tickets.reserveCapacity(settings.pollBatch)
        var iteration = 0
        while true {
            let request = StateMachine.Request(rawValue: requested.load(ordering: .acquiring)) ?? .close
            let action = machine.nextAction(requested: request, now: .now()) { partitions in
                partitions.reduce(0) { $0 + tracker.inFlight($1) }
            }
            switch action {
            case .close:
                closeConsumer()
                return
            case .enterDrain:
                enterDrain()
                continue
            case .finishRevocation(let revocation, let unacknowledged):
                finishRevocation(revocation.partitions, unacknowledged: unacknowledged, deferred: true)
                continue
            case .serveCallbacks:
                // Paused: nothing should arrive; anything that does was never registered, so it
                // is simply read again by whoever owns the partition next.
                batch.removeAll(keepingCapacity: true)
                consumer.poll(into: &batch, maxMessages: settings.pollBatch, timeoutMilliseconds: 20)
                continue
            case .consume:
                break
            }
            iteration &+= 1
            pushPending()
            if hasPending {
                // The ring is full. Hold what was polled, and pause only once a whole ring's worth
                // waits: librdkafka 2.0.2 takes about a second to fetch again after a resume, so
                // pausing is the second line of defence; its bounded local queue is the first.
                if pendingCount >= ring.capacity { pauseAssignment(reason: "input ring full") }
                if ring.push(pending[pendingHead], timeout: .milliseconds(5)) {
                    pendingHead += 1
                    pushPending()
                }
                // Keep serving callbacks (rebalances) at least every 100 ms while waiting.
                if hasPending && MonotonicDeadline.now().nanoseconds - lastPoll < 100_000_000 { continue }
            } else if pausedForBackPressure && ring.count <= ring.capacity / 4 && budget.hasRoomToResume {
                resumeAssignment()
            }
            if iteration % 64 == 0 { balancePartitionWindows() }

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
            var heldBytes = 0
            // A partition being revoked is paused; what was already fetched is left for its next
            // owner, which reads from the committed watermark (no ticket).
            tickets.removeAll(keepingCapacity: true)
            tracker.begin(batch, consumer: index, into: &tickets) { machine.isRevoking($0) }
            for (message, ticket) in zip(batch, tickets) {
                guard let ticket else { continue }
                heldBytes += message.heldBytes
                pending.append(InputRecord(message: message, ticket: ticket, receivedNanoseconds: now))
            }
            budget.add(heldBytes)
            // Memory is bounded in bytes as well as records: large records reach the budget long
            // before the rings fill.
            if budget.isExhausted { pauseAssignment(reason: "the byte budget (max-in-flight-bytes) is spent") }
            pushPending()
        }
    }

    /// Leaves the group. The pipeline has committed everything acknowledged; the final
    /// revocation, served inside `close`, commits the last watermarks without deferring.
    private func closeConsumer() {
        do {
            try consumer.close()
        } catch {
            logger.warning("closing the consumer failed: \(error)")
        }
    }

    private func enterDrain() {
        withdrawPending { _ in true }
        pause(Array(assigned))
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
        var withdrawnBytes = 0
        for record in pending[pendingHead...] {
            let partition = record.message.topicPartition
            if predicate(partition) {
                if firstWithdrawn[partition] == nil { firstWithdrawn[partition] = record.message.offset }
                withdrawnBytes += record.message.heldBytes
            } else {
                kept.append(record)
            }
        }
        for (partition, offset) in firstWithdrawn { tracker.withdraw(partition, from: offset) }
        budget.release(withdrawnBytes)
        pending = kept
        pendingHead = 0
    }

    private func pauseAssignment(reason: String) {
        guard !pausedForBackPressure else { return }
        pausedForBackPressure = true
        counters.backPressurePauses.add(1, ordering: .relaxed)
        logger.debug("\(reason): pausing \(assigned.count) partitions")
        pause(Array(assigned))
    }

    private func resumeAssignment() {
        pausedForBackPressure = false
        // Partitions being revoked stay paused until they are released.
        let resumable = assigned.filter { !pausedPartitions.contains($0) && !machine.isRevoking($0) }
        logger.debug("back-pressure eased: resuming \(resumable.count) partitions")
        resume(Array(resumable))
    }

    /// Pauses partitions whose unacknowledged window passed its limit; resumes them at half.
    private func balancePartitionWindows() {
        for partition in assigned {
            let inFlight = tracker.inFlight(partition)
            if inFlight >= settings.maxInFlightPerPartition && !pausedPartitions.contains(partition) {
                pausedPartitions.insert(partition)
                counters.backPressurePauses.add(1, ordering: .relaxed)
                logger.warning("partition \(partition) has \(inFlight) unacknowledged records: pausing it")
                pause([partition])
            } else if inFlight <= settings.maxInFlightPerPartition / 2 && pausedPartitions.contains(partition) {
                pausedPartitions.remove(partition)
                if !pausedForBackPressure && !machine.isRevoking(partition) { resume([partition]) }
            }
        }
    }

    private func pause(_ partitions: [TopicPartition]) {
        do { try consumer.pause(partitions) } catch { logger.warning("pause failed: \(error)") }
    }

    private func resume(_ partitions: [TopicPartition]) {
        do { try consumer.resume(partitions) } catch { logger.warning("resume failed: \(error)") }
    }

    fileprivate func partitionsAssigned(_ partitions: [TopicPartition]) {
        assigned.formUnion(partitions)
        logger.info(
            "assigned \(partitions.count) partitions: \(partitions.map(\.description).sorted().joined(separator: ","))"
        )
        // librdkafka keeps an application pause across assignments: a partition paused while its
        // revocation was deferred (or while the ring was full) and then assigned back would never
        // be fetched again, so every assignment sets the pause state explicitly.
        if pausedForBackPressure || machine.lifecycle != .running {
            pause(partitions)
        } else {
            resume(partitions)
        }
    }

    /// Runs inside `poll` before the partitions are given up: stop handing out their records and
    /// either defer (the loop finishes the revocation once their in-flight records are
    /// acknowledged) or, when the consumer is closing, finish at once: the pipeline drained first.
    fileprivate func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {
        let revoked = Set(partitions)
        counters.revokedPartitions.add(partitions.count, ordering: .relaxed)
        withdrawPending { revoked.contains($0) }
        if lost {
            logger.warning("lost \(partitions.count) partitions (session timeout): not committing them")
            forget(partitions, lost: true)
        } else if consumer.isRevocationPending {
            pause(partitions)
            let deadline = MonotonicDeadline.after(.milliseconds(Int64(settings.revokeTimeoutSeconds * 1_000)))
            machine.revocationDeferred(partitions, deadline: deadline)
        } else {
            let left = partitions.reduce(0) { $0 + tracker.inFlight($1) }
            finishRevocation(partitions, unacknowledged: left, deferred: false)
        }
    }

    /// Commits the revoked partitions' watermark through the committer, forgets them, and (for a
    /// deferred revocation) lets librdkafka give them up.
    private func finishRevocation(_ partitions: [TopicPartition], unacknowledged: Int, deferred: Bool) {
        if unacknowledged > 0 {
            counters.unacknowledgedOnRevoke.add(unacknowledged, ordering: .relaxed)
            logger.warning(
                settings.exactlyOnce
                    ? "revocation gave up waiting: \(unacknowledged) records unanswered are left to the next owner"
                    : "revocation gave up waiting: \(unacknowledged) records unacknowledged may be produced twice"
            )
        }
        committer.commitRevoked(partitions, consumer: index)
        forget(partitions, lost: false)
        if deferred {
            do { try consumer.releaseRevoked(partitions) } catch {
                logger.warning("giving up partitions failed: \(error)")
            }
        }
    }

    private func forget(_ partitions: [TopicPartition], lost: Bool) {
        tracker.forget(partitions)
        assigned.subtract(partitions)
        pausedPartitions.subtract(partitions)
        logger.info("revoked \(partitions.count) partitions\(lost ? " (lost)" : "")")
    }
}

/// Routes a consumer's rebalance callbacks to its poller, which does not exist yet when the
/// consumer is created. `target` is written once, in the poller's initialiser, before the polling
/// thread starts; callbacks run only inside that thread's `poll`, and starting the thread orders
/// the write before them.
private final class RebalanceRelay: @unchecked Sendable {
    weak var target: ConsumerPoller?

    var handlers: RebalanceHandlers {
        RebalanceHandlers(
            assigned: { [self] _, partitions in target?.partitionsAssigned(partitions) },
            revoked: { [self] _, partitions, lost in target?.partitionsRevoked(partitions, lost: lost) },
            deferRevocation: true
        )
    }
}
