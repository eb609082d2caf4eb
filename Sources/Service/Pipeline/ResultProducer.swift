import Kafka
import Logging
import Platform
import RingBuffer
import Synchronization

/// The producer thread: drains workers' outputs into librdkafka, serves delivery reports, marks
/// acknowledged records done in the offset tracker, and stores the advancing watermarks.
///
/// Delivery reports arrive from `poll` on this same thread, so the tracker sees completions in the
/// order the broker acknowledged them. Every 5 ms (and at the end) the ``OffsetCommitter`` stores
/// the watermarks that moved.
///
/// Every input gets an answer the broker accepts, or its offset is released with a log line:
/// answers are cut to the producer's `message.max.bytes` (``AnswerFitter``); an answer refused for
/// good (too large for the topic, not authorised, unknown topic) is replaced by a minimal dead
/// letter, and when that is refused too, the record is logged and completed. A permanent produce
/// error therefore never stops a partition's commits.
final class ResultProducer: ResultDrain, @unchecked Sendable {
    private let results: MPSCRing<OutputRecord>
    private let producer: KafkaProducer
    private let committer: OffsetCommitter
    private let tracker: OffsetTracker
    private let refusals: RefusedDeliveries
    private let fitter: AnswerFitter
    private let budget: ByteBudget
    private let counters: PipelineCounters
    /// Receipt to hand-off, in nanoseconds; this thread is its only writer.
    private let latency: AtomicHistogram
    private let outputTopic: String
    private let deadLetterTopic: String
    /// The topic of shadow records (`shadow-output`), if any.
    private let shadowTopic: String?
    private let logger: Logger
    /// Set when shutdown's time is up: stop retrying a full queue.
    private let abandon = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    /// The largest byte count held since the heap was last trimmed (producer thread only).
    private var heldPeakSinceTrim = 0
    private var secondTrimNanoseconds: Int64?
    /// Refusals (and answers too large) can come thousands at a time: one log line per second at
    /// most, with the count of those not logged (producer thread only).
    private var refusalLog = (suppressed: 0, nextNanoseconds: Int64(0))

    /// This taken batch's answers, added to the shared counters once per batch rather than one
    /// atomic add each (producer thread only).
    private var tally = AnswerTally()
    /// When the answers being sent were handed over, read every 64 answers (producer thread only).
    private var handOffNanoseconds: Int64 = 0

    /// Whether ``run()`` has returned.
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// The top bit of a delivery token marks the second, minimal answer for a record: if that is
    /// refused too, the record is given up rather than tried a third time.
    static let fallbackBit: UInt = 1 << (UInt.bitWidth - 1)

    /// The delivery token of every shadow record: no ticket's, since a ticket's offset part stays
    /// below 2^48 − 1 and its partition slot below 32,767 (``OffsetTracker/Ticket``). A shadow
    /// record completes no ticket, so its delivery never holds back a commit.
    static let shadowToken = UInt.max

    struct Destinations {
        var output: String
        var deadLetter: String
        var shadow: String? = nil
    }

    init(_ path: ResultPath, topics: Destinations, logger: Logger) {
        results = path.results
        producer = path.producer
        committer = path.committer
        tracker = path.tracker
        refusals = path.refusals
        fitter = path.fitter
        budget = path.budget
        counters = path.counters
        latency = path.latency
        outputTopic = topics.output
        deadLetterTopic = topics.deadLetter
        shadowTopic = topics.shadow
        self.logger = logger
    }

    /// The delivery-report handler to give the producer when creating it: acknowledgements complete
    /// their ticket in `tracker`; refusals wait in `refusals` for the producer thread to answer them
    /// otherwise. Under exactly-once `tracker` is nil: an offset is committed with its transaction,
    /// not when its answer is acknowledged.
    static func deliveryHandler(
        tracker: OffsetTracker?,
        refusals: RefusedDeliveries,
        counters: PipelineCounters
    ) -> @Sendable (DeliveryReport) -> Void {
        { report in
            if report.token == ResultProducer.shadowToken {
                // Fire and forget: a refused shadow record is counted, never answered again.
                if report.error != nil {
                    counters.deliveryFailures.add(1, ordering: .relaxed)
                    counters.shadowDeliveryFailures.add(1, ordering: .relaxed)
                }
            } else if report.error != nil {
                // With message.timeout.ms=0 only permanent errors get here (at-least-once).
                counters.deliveryFailures.add(1, ordering: .relaxed)
                refusals.append(report)
            } else {
                counters.acknowledged.add(1, ordering: .relaxed)
                tracker?.complete(OffsetTracker.Ticket(rawValue: report.token & ~fallbackBit))
            }
        }
    }

    /// Stop retrying and return from ``run()`` as soon as possible.
    func abandonOutstanding() {
        abandon.store(true, ordering: .releasing)
    }

    /// Runs until the result ring is closed and drained and everything sent is acknowledged or
    /// given up (or ``abandonOutstanding()`` is called).
    func run() {
        var lastStore = MonotonicDeadline.now()
        while true {
            var released = 0
            var sent = 0
            let taken = results.takeBatch(max: 1_024, timeout: .milliseconds(1)) { output in
                released += output.heldBytes
                // One clock read per 64 answers: hand-off times stay within a few microseconds.
                if sent & 63 == 0 { handOffNanoseconds = MonotonicDeadline.now().nanoseconds }
                sent += 1
                send(output)
            }
            tally.flush(into: counters)
            budget.release(released)
            producer.poll(timeoutMilliseconds: 0)
            answerRefusals()
            let now = MonotonicDeadline.now()
            if now.nanoseconds - lastStore.nanoseconds >= 5_000_000 {
                committer.storeAdvanced()
                trimHeapAfterBacklog(now: now.nanoseconds)
                lastStore = now
            }
            if taken == 0 && results.isClosed && results.isEmpty { break }
            if abandon.load(ordering: .acquiring) { break }
        }
        while (producer.outstandingCount > 0 || !refusals.isEmpty) && !abandon.load(ordering: .acquiring) {
            producer.poll(timeoutMilliseconds: 10)
            answerRefusals()
        }
        committer.storeAdvanced()
        finished.store(true, ordering: .releasing)
    }

    private func send(_ output: OutputRecord) {
        // Its ticket stays open: the offset is not committed past it, so it is read again.
        guard output.destination != .unanswered else {
            counters.leftUnanswered.add(1, ordering: .relaxed)
            return
        }
        let fitted = fitter.fitted(output, source: tracker.position(of: output.ticket))
        if fitted.destination != output.destination {
            let source = tracker.position(of: output.ticket)
            logRefusal(
                "answer for \(describe(source)) exceeds message.max.bytes (\(fitter.maxMessageBytes)): dead-lettered as answerTooLarge",
                level: .warning
            )
        }
        if fitted.headers.contains(where: { $0.name == DeadLetterHeader.truncated }) {
            counters.truncatedDeadLetters.add(1, ordering: .relaxed)
        }
        let topic = fitted.destination == .prediction ? outputTopic : deadLetterTopic
        if let refusal = produce(fitted, to: topic, token: fitted.ticket.rawValue) {
            answerRefused(
                ticket: fitted.ticket,
                key: fitted.key,
                value: fitted.value,
                topic: topic,
                refusal: refusal,
                receivedNanoseconds: fitted.receivedNanoseconds
            )
            return
        }
        tally.produced += 1
        switch fitted.destination {
        case .prediction:
            tally.predicted += 1
            if fitted.anomalous { tally.anomalous += 1 }
            if let shadow = fitted.shadow { counters.count(shadow, main: fitted.anomalous) }
        case .deadLetter:
            tally.deadLettered += 1
        case .unanswered:
            break
        }
        latency.record(handOffNanoseconds - fitted.receivedNanoseconds)
        sendShadowRecord(of: output)
    }

    /// Sends a prediction's shadow record (`shadow-output`) after its answer, with the input's
    /// key: a secondary output whose delivery completes no ticket, so it never holds back a
    /// commit; a refusal is counted and the record dropped (docs/CONTRACT.md, "Shadow verdicts").
    private func sendShadowRecord(of output: OutputRecord) {
        guard let topic = shadowTopic, let value = output.shadow?.value else { return }
        let record = OutputRecord(
            destination: .prediction,
            ticket: output.ticket,
            key: output.key,
            value: value,
            receivedNanoseconds: output.receivedNanoseconds
        )
        if produce(record, to: topic, token: Self.shadowToken) != nil {
            counters.shadowDeliveryFailures.add(1, ordering: .relaxed)
        }
    }

    /// Hands one answer to librdkafka, retrying while its queue is full; returns librdkafka's
    /// refusal, or nil once queued (or when shutdown abandons it).
    private func produce(_ output: OutputRecord, to topic: String, token: UInt) -> KafkaError? {
        while true {
            do {
                try producer.send(
                    topic: topic,
                    key: output.key,
                    value: output.value,
                    headers: output.headers,
                    token: token
                )
                return nil
            } catch  where error.code == .queueFull {
                // librdkafka's queue is full (broker slow or down): serve reports and retry.
                producer.poll(timeoutMilliseconds: 1)
                if abandon.load(ordering: .acquiring) { return nil }
            } catch {
                counters.deliveryFailures.add(1, ordering: .relaxed)
                return error
            }
        }
    }

    /// Answers the records whose answers were refused in delivery reports since the last call.
    private func answerRefusals() {
        for report in refusals.takeAll() {
            guard let refusal = report.error else { continue }
            let ticket = OffsetTracker.Ticket(rawValue: report.token & ~Self.fallbackBit)
            guard report.token & Self.fallbackBit == 0 else {
                giveUp(ticket, refusal: refusal, topic: report.undelivered?.topic ?? deadLetterTopic)
                continue
            }
            answerRefused(
                ticket: ticket,
                key: report.undelivered?.key,
                value: report.undelivered?.value,
                topic: report.undelivered?.topic ?? outputTopic,
                refusal: refusal,
                receivedNanoseconds: MonotonicDeadline.now().nanoseconds
            )
        }
    }

    /// Sends the minimal dead letter for a record whose answer `topic` refused; gives the record
    /// up when even that is refused at once.
    private func answerRefused(
        ticket: OffsetTracker.Ticket,
        key: [UInt8]?,
        value: [UInt8]?,
        topic: String,
        refusal: KafkaError,
        receivedNanoseconds: Int64
    ) {
        let source = tracker.position(of: ticket)
        logRefusal(
            "'\(topic)' refused the answer for \(describe(source)): \(refusal.reason); sending a minimal dead letter"
        )
        let letter = fitter.minimalDeadLetter(
            ticket: ticket,
            key: key,
            value: value,
            source: source,
            refusedBy: topic,
            refusal: refusal,
            receivedNanoseconds: receivedNanoseconds
        )
        if let second = produce(letter, to: deadLetterTopic, token: ticket.rawValue | Self.fallbackBit) {
            giveUp(ticket, refusal: second, topic: deadLetterTopic)
            return
        }
        counters.produced.add(1, ordering: .relaxed)
        counters.deadLettered.add(1, ordering: .relaxed)
    }

    /// Releases a record that no topic would take: logged with its position, counted, and
    /// completed so that its partition's commits go on.
    private func giveUp(_ ticket: OffsetTracker.Ticket, refusal: KafkaError, topic: String) {
        counters.unanswerable.add(1, ordering: .relaxed)
        logRefusal(
            "unanswerable: \(describe(tracker.position(of: ticket))) has no answer ('\(topic)' refused the minimal dead letter: \(refusal.reason)); its offset is released",
            level: .critical
        )
        tracker.complete(ticket)
    }

    private func logRefusal(_ message: @autoclosure () -> String, level: Logger.Level = .error) {
        let now = MonotonicDeadline.now().nanoseconds
        guard now >= refusalLog.nextNanoseconds else {
            refusalLog.suppressed += 1
            return
        }
        let more =
            refusalLog.suppressed > 0 ? " (and \(refusalLog.suppressed) refusals not logged in the last second)" : ""
        logger.log(level: level, "\(message())\(more)")
        refusalLog = (0, now + 1_000_000_000)
    }

    /// glibc keeps freed heap for reuse, so after a backlog of large records the resident size
    /// would stay at its peak while idle. Once the held bytes fall to a sixteenth of a peak of at
    /// least 32 MiB, the heap is trimmed, and once more two seconds later, when librdkafka's queues
    /// have drained too.
    private func trimHeapAfterBacklog(now: Int64) {
        let held = budget.current
        heldPeakSinceTrim = max(heldPeakSinceTrim, held)
        if heldPeakSinceTrim >= 32 << 20 && held <= heldPeakSinceTrim / 16 {
            heldPeakSinceTrim = held
            ProcessMemory.returnFreedHeap()
            secondTrimNanoseconds = now + 2_000_000_000
        } else if let second = secondTrimNanoseconds, now >= second {
            secondTrimNanoseconds = nil
            ProcessMemory.returnFreedHeap()
        }
    }

    private func describe(_ source: TopicPartitionOffset?) -> String {
        source.map { "\($0.topicPartition.topic)/\($0.topicPartition.partition)@\($0.offset)" } ?? "an unknown record"
    }
}

/// What either producer thread works with: the result ring it drains, the producer, the offset
/// bookkeeping and the pipeline's statistics.
struct ResultPath {
    var results: MPSCRing<OutputRecord>
    var producer: KafkaProducer
    var committer: OffsetCommitter
    var tracker: OffsetTracker
    var refusals: RefusedDeliveries
    var fitter: AnswerFitter
    var budget: ByteBudget
    var counters: PipelineCounters
    /// Receipt to hand-off (at-least-once) or to commit (exactly-once), in nanoseconds.
    var latency: AtomicHistogram
}

/// The producer thread's loop, at-least-once (``ResultProducer``) or exactly-once
/// (``TransactionalResultProducer``), as the pipeline starts and stops it.
protocol ResultDrain: AnyObject, Sendable {
    /// Runs until the result ring is closed and drained and everything is delivered (or
    /// ``abandonOutstanding()`` is called).
    func run()
    /// Whether ``run()`` has returned.
    var isFinished: Bool { get }
    /// Stop retrying and return from ``run()`` as soon as possible.
    func abandonOutstanding()
}

/// Delivery reports that carried an error, from librdkafka's callback (inside `poll`, normally on
/// the producer thread) to the producer thread's loop. Refusals are rare, so one lock is enough.
final class RefusedDeliveries: Sendable {
    private let reports = Mutex<[DeliveryReport]>([])

    func append(_ report: DeliveryReport) {
        reports.withLock { $0.append(report) }
    }

    func takeAll() -> [DeliveryReport] {
        reports.withLock { reports in
            var taken: [DeliveryReport] = []
            swap(&taken, &reports)
            return taken
        }
    }

    var isEmpty: Bool { reports.withLock { $0.isEmpty } }
}

/// Counts of answers sent, kept by one thread and added to ``PipelineCounters`` in one go.
struct AnswerTally {
    var produced = 0
    var predicted = 0
    var anomalous = 0
    var deadLettered = 0

    /// Adds the counts to `counters` (relaxed, as every counter) and starts again from zero.
    mutating func flush(into counters: PipelineCounters) {
        if produced > 0 { counters.produced.add(produced, ordering: .relaxed) }
        if predicted > 0 { counters.predicted.add(predicted, ordering: .relaxed) }
        if anomalous > 0 { counters.anomalous.add(anomalous, ordering: .relaxed) }
        if deadLettered > 0 { counters.deadLettered.add(deadLettered, ordering: .relaxed) }
        self = AnswerTally()
    }
}
