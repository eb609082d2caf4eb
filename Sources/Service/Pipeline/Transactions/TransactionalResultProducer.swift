import Kafka
import Logging
import Platform
import RingBuffer
import Synchronization

/// The producer thread under exactly-once: answers and the offsets of the inputs they answer are
/// committed together in Kafka transactions.
///
/// Workers finish out of order, so an answer reaching this thread is held by the ``OffsetTracker``
/// until every lower offset of its partition is answered, and only then sent
/// (``OffsetTracker/takeReleased(into:)``). Every answer a transaction carries is therefore below
/// the watermark it commits for its partition, and every input below that watermark is answered
/// in this transaction or an earlier one: a crash at any moment leaves either both the answers and
/// the offsets committed, or neither, and the inputs are read again.
///
/// A transaction commits `intervalMilliseconds` after it opened or once it holds `maxRecords`
/// answers, whichever comes first, and at once when a polling thread asks (a revocation). It
/// keeps what it sent until it commits: when the commit fails with an abortable error (a message
/// refused, a rebalance fencing the group's offsets, a broker going away) it is aborted, and its
/// answers are sent again in a new one, the refused ones as minimal dead letters, those of
/// partitions revoked meanwhile dropped (their next owner answers them). A fatal error (another
/// producer with the same `transactional.id`) stops the thread and reports the pipeline failed:
/// nothing uncommitted is visible to `read_committed` readers, so nothing is lost.
///
/// Only this thread calls the transactional producer (librdkafka wants one caller at a time).
final class TransactionalResultProducer: ResultDrain, @unchecked Sendable {
    /// One answer sent in the open transaction, kept to send again after an abort.
    struct Sent {
        var topic: String
        var answer: OutputRecord
        /// Its partition's tracker slot and window generation when it was released.
        var slot: Int
        var generation: Int
        /// A minimal dead letter standing in for a refused answer: refused too, nothing is left.
        var isFallback = false

        var token: UInt { answer.ticket.rawValue | (isFallback ? ResultProducer.fallbackBit : 0) }
    }

    private let path: ResultPath
    /// Receipt to the hand-off to librdkafka, for the latency-budget loop.
    private let handOffLatency: AtomicHistogram
    private let requests: TransactionCommitRequests
    private let failure: PipelineFailure
    private let topics: ResultProducer.Destinations
    private let settings: TransactionSettings
    private let logger: Logger
    private let abandon = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    // Producer thread only.
    private var isOpen = false
    private var openedNanoseconds: Int64 = 0
    /// A send failed in a way that dooms the open transaction: abort it before committing.
    private var isDoomed = false
    private var stopped = false
    private var sent: [Sent] = []
    /// The watermark each partition's released answers bring it to, by tracker slot.
    private var watermarks: [Int: OffsetTracker.Committable] = [:]
    private var released: [OutputRecord] = []
    private var servedRequest = 0

    /// How long one transactional call may take before it is tried again.
    static let callTimeoutMilliseconds: Int32 = 30_000

    init(
        _ path: ResultPath,
        handOffLatency: AtomicHistogram,
        requests: TransactionCommitRequests,
        failure: PipelineFailure,
        topics: ResultProducer.Destinations,
        settings: TransactionSettings,
        logger: Logger
    ) {
        self.path = path
        self.handOffLatency = handOffLatency
        self.requests = requests
        self.failure = failure
        self.topics = topics
        self.settings = settings
        self.logger = logger
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    func abandonOutstanding() {
        abandon.store(true, ordering: .releasing)
    }

    func run() {
        defer {
            requests.close()
            finished.store(true, ordering: .releasing)
        }
        let interval = Int64(settings.intervalMilliseconds) * 1_000_000
        while !stopped {
            var heldBytes = 0
            let taken = path.results.takeBatch(max: 1_024, timeout: .milliseconds(1)) { output in
                heldBytes += output.heldBytes
                accept(output)
            }
            path.budget.release(heldBytes)
            path.producer.poll(timeoutMilliseconds: 0)
            sendReleased()
            let asked = requests.requested
            let now = MonotonicDeadline.now().nanoseconds
            let due = isOpen && (sent.count >= settings.maxRecords || now - openedNanoseconds >= interval)
            if due || asked > servedRequest {
                guard commit() else { break }
                requests.served(upTo: asked)
                servedRequest = asked
            }
            if taken == 0 && path.results.isClosed && path.results.isEmpty {
                sendReleased()
                _ = commit()
                break
            }
            if abandon.load(ordering: .acquiring) { break }
        }
        if isOpen {
            // Left open (stopping, or fenced): the broker aborts it when the transaction times
            // out, or the next producer with this id aborts it at once when it starts.
            logger.warning("exactly-once: stopping with a transaction of \(sent.count) answers not committed")
        }
    }

    /// Holds an answer in the tracker until its partition's lower offsets are answered too.
    private func accept(_ output: OutputRecord) {
        guard output.destination != .unanswered else {
            path.counters.leftUnanswered.add(1, ordering: .relaxed)
            return
        }
        // False for a record of a partition revoked meanwhile: its next owner answers it.
        _ = path.tracker.complete(output.ticket, holding: output)
    }

    /// Sends every answer whose partition prefix is complete, in offset order.
    private func sendReleased() {
        released.removeAll(keepingCapacity: true)
        for partition in path.tracker.takeReleased(into: &released) {
            let watermark = partition.watermark
            for index in partition.answers where !stopped {
                let answer = path.fitter.fitted(
                    released[index],
                    source: path.tracker.position(of: released[index].ticket)
                )
                if answer.headers.contains(where: { $0.name == DeadLetterHeader.truncated }) {
                    path.counters.truncatedDeadLetters.add(1, ordering: .relaxed)
                }
                let topic = answer.destination == .prediction ? topics.output : topics.deadLetter
                send(Sent(topic: topic, answer: answer, slot: watermark.slot, generation: watermark.generation))
                handOffLatency.record(MonotonicDeadline.now().nanoseconds - answer.receivedNanoseconds)
            }
            watermarks[watermark.slot] = watermark
        }
    }

    /// Sends one answer in the open transaction (opening one if needed) and keeps it.
    private func send(_ entry: Sent) {
        guard openIfNeeded() else { return }
        var entry = entry
        while true {
            do {
                try path.producer.send(
                    topic: entry.topic,
                    key: entry.answer.key,
                    value: entry.answer.value,
                    headers: entry.answer.headers,
                    token: entry.token
                )
                break
            } catch  where error.code == .queueFull {
                path.producer.poll(timeoutMilliseconds: 1)
                if abandon.load(ordering: .acquiring) { break }
            } catch  where error.refusesTheMessage && !entry.isFallback {
                // Refused before it left (librdkafka's own checks): answer with a minimal dead letter.
                path.counters.deliveryFailures.add(1, ordering: .relaxed)
                entry = fallback(for: entry, refusal: error)
            } catch {
                // Anything else (the transaction in a failed state) fails the commit, which
                // aborts and sends everything kept again.
                path.counters.deliveryFailures.add(1, ordering: .relaxed)
                logger.warning("exactly-once: sending an answer failed: \(error)")
                isDoomed = true
                break
            }
        }
        sent.append(entry)
    }

    private func openIfNeeded() -> Bool {
        guard !isOpen else { return true }
        do {
            try path.producer.beginTransaction()
        } catch {
            fail("cannot begin a transaction: \(error)")
            return false
        }
        isOpen = true
        openedNanoseconds = MonotonicDeadline.now().nanoseconds
        return true
    }

    /// Commits the open transaction with its watermarks, aborting and redoing it on abortable
    /// errors until it commits. Returns false when the thread must stop (fatal, or abandoned).
    private func commit() -> Bool {
        var backoff: Int64 = 100
        while !stopped {
            guard isOpen || !watermarks.isEmpty else { return true }
            do throws(KafkaError) {
                if isDoomed {
                    throw KafkaError(
                        code: .transactionAborted,
                        reason: "an answer of the transaction could not be sent"
                    )
                }
                guard openIfNeeded() else { return false }
                try sendOffsets()
                try retrying { () throws(KafkaError) in
                    try path.producer.commitTransaction(timeoutMilliseconds: Self.callTimeoutMilliseconds)
                }
                committed()
                return true
            } catch  where error.code == .fatal {
                fail("the transactional producer cannot go on: \(error)")
                return false
            } catch {
                path.counters.transactionsAborted.add(1, ordering: .relaxed)
                logger.warning(
                    "exactly-once: aborting a transaction of \(sent.count) answers to send them again: \(error)"
                )
                guard !abandon.load(ordering: .acquiring), abortAndResend() else { return false }
                sleepThread(for: .milliseconds(backoff))
                backoff = min(backoff * 2, 5_000)
            }
        }
        return false
    }

    /// Sends each consumer's watermarks with its current group metadata, so the coordinator
    /// refuses them if a rebalance has given its partitions to another member.
    private func sendOffsets() throws(KafkaError) {
        let current = watermarks.values.filter {
            path.tracker.isCurrent(slot: $0.slot, generation: $0.generation)
        }
        for (consumer, entries) in Dictionary(grouping: current, by: \.consumer) {
            guard let group = path.committer.groupMetadata(consumer: consumer) else { continue }
            try retrying { () throws(KafkaError) in
                try path.producer.sendOffsetsToTransaction(
                    entries.map(\.position),
                    group: group,
                    timeoutMilliseconds: Self.callTimeoutMilliseconds
                )
            }
        }
    }

    private func committed() {
        let now = MonotonicDeadline.now().nanoseconds
        let counters = path.counters
        for entry in sent {
            counters.produced.add(1, ordering: .relaxed)
            switch entry.answer.destination {
            case .prediction:
                counters.predicted.add(1, ordering: .relaxed)
                if entry.answer.anomalous { counters.anomalous.add(1, ordering: .relaxed) }
                if let shadow = entry.answer.shadow { counters.count(shadow, main: entry.answer.anomalous) }
            case .deadLetter:
                counters.deadLettered.add(1, ordering: .relaxed)
            case .unanswered:
                break
            }
            // Receipt to commit: when a read_committed consumer can first see the answer.
            path.latency.record(now - entry.answer.receivedNanoseconds)
        }
        counters.offsetsStored.add(watermarks.count, ordering: .relaxed)
        counters.transactionsCommitted.add(1, ordering: .relaxed)
        sent.removeAll(keepingCapacity: true)
        watermarks.removeAll(keepingCapacity: true)
        isOpen = false
    }

    /// Aborts the open transaction and sends its answers again in a new one: refused answers as
    /// minimal dead letters, answers of partitions revoked since dropped. False when it cannot.
    private func abortAndResend() -> Bool {
        if isOpen {
            do {
                try retrying { () throws(KafkaError) in
                    try path.producer.abortTransaction(timeoutMilliseconds: Self.callTimeoutMilliseconds)
                }
            } catch {
                fail("cannot abort a failed transaction: \(error)")
                return false
            }
        }
        isOpen = false
        isDoomed = false
        // The aborted messages' reports (purged, or refused) arrive before anything is sent again.
        while path.producer.outstandingCount > 0 && !abandon.load(ordering: .acquiring) {
            path.producer.poll(timeoutMilliseconds: 10)
        }
        var refused: [UInt: KafkaError] = [:]
        for report in path.refusals.takeAll() {
            if let error = report.error, error.refusesTheMessage { refused[report.token] = error }
        }
        let kept = sent.filter { path.tracker.isCurrent(slot: $0.slot, generation: $0.generation) }
        watermarks = watermarks.filter { path.tracker.isCurrent(slot: $0.value.slot, generation: $0.value.generation) }
        sent.removeAll(keepingCapacity: true)
        for entry in kept where !stopped {
            guard let refusal = refused[entry.token] else {
                send(entry)
                continue
            }
            guard !entry.isFallback else {
                let source = path.tracker.position(of: entry.answer.ticket)
                path.counters.unanswerable.add(1, ordering: .relaxed)
                fail(
                    "\(describe(source)) has no answer: '\(entry.topic)' refused even its minimal dead letter (\(refusal.reason)); stopping, so that nothing is committed past it"
                )
                return false
            }
            send(fallback(for: entry, refusal: refusal))
        }
        return !stopped
    }

    private func fallback(for entry: Sent, refusal: KafkaError) -> Sent {
        let source = path.tracker.position(of: entry.answer.ticket)
        logger.error(
            "'\(entry.topic)' refused the answer for \(describe(source)): \(refusal.reason); sending a minimal dead letter"
        )
        let letter = path.fitter.minimalDeadLetter(
            ticket: entry.answer.ticket,
            key: entry.answer.key,
            value: entry.answer.value,
            source: source,
            refusedBy: entry.topic,
            refusal: refusal,
            receivedNanoseconds: entry.answer.receivedNanoseconds
        )
        return Sent(
            topic: topics.deadLetter,
            answer: letter,
            slot: entry.slot,
            generation: entry.generation,
            isFallback: true
        )
    }

    /// Calls `body` again while it fails with a retriable error (and the thread is not abandoned).
    private func retrying(_ body: () throws(KafkaError) -> Void) throws(KafkaError) {
        while true {
            do {
                try body()
                return
            } catch  where error.code == .retriable && !abandon.load(ordering: .acquiring) {
                logger.debug("exactly-once: retrying: \(error)")
                sleepThread(for: .milliseconds(100))
            }
        }
    }

    private func fail(_ reason: String) {
        stopped = true
        logger.critical("exactly-once: \(reason)")
        failure.report(reason)
    }

    private func describe(_ source: TopicPartitionOffset?) -> String {
        source.map { "\($0.topicPartition.topic)/\($0.topicPartition.partition)@\($0.offset)" } ?? "an unknown record"
    }
}
