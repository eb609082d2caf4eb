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
final class ResultProducer: @unchecked Sendable {
    private let results: MPSCRing<OutputRecord>
    private let producer: KafkaProducer
    private let committer: OffsetCommitter
    private let counters: PipelineCounters
    private let latency: LatencyRecorder
    private let outputTopic: String
    private let deadLetterTopic: String
    private let logger: Logger
    /// Set when shutdown's time is up: stop retrying a full queue.
    private let abandon = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Whether ``run()`` has returned.
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Largest dead-letter value sent whole; larger originals are cut to fit the topic's limit.
    static let maxDeadLetterValueBytes = 900_000

    init(
        results: MPSCRing<OutputRecord>,
        producer: KafkaProducer,
        committer: OffsetCommitter,
        counters: PipelineCounters,
        latency: LatencyRecorder,
        outputTopic: String,
        deadLetterTopic: String,
        logger: Logger
    ) {
        self.results = results
        self.producer = producer
        self.committer = committer
        self.counters = counters
        self.latency = latency
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
        self.logger = logger
    }

    /// The delivery-report handler to give the producer when creating it.
    static func deliveryHandler(
        tracker: OffsetTracker,
        counters: PipelineCounters,
        logger: Logger
    ) -> @Sendable (DeliveryReport) -> Void {
        { report in
            if let error = report.error {
                // With message.timeout.ms=0 only permanent errors get here. The record stays
                // unacknowledged, so its partition's watermark stops below it: it is never
                // committed, and a restart processes it again.
                counters.deliveryFailures.add(1, ordering: .relaxed)
                logger.error("delivery failed permanently: \(error)")
            } else {
                counters.acknowledged.add(1, ordering: .relaxed)
                tracker.complete(OffsetTracker.Ticket(rawValue: report.token))
            }
        }
    }

    /// Stop retrying and return from ``run()`` as soon as possible.
    func abandonOutstanding() {
        abandon.store(true, ordering: .releasing)
    }

    /// Runs until the result ring is closed and drained and everything sent is acknowledged (or
    /// ``abandonOutstanding()`` is called).
    func run() {
        var lastStore = MonotonicDeadline.now()
        while true {
            let taken = results.takeBatch(max: 1_024, timeout: .milliseconds(1)) { output in
                send(output)
            }
            producer.poll(timeoutMilliseconds: 0)
            let now = MonotonicDeadline.now()
            if now.nanoseconds - lastStore.nanoseconds >= 5_000_000 {
                committer.storeAdvanced()
                lastStore = now
            }
            if taken == 0 && results.isClosed && results.isEmpty { break }
            if abandon.load(ordering: .acquiring) { break }
        }
        while producer.outstandingCount > 0 && !abandon.load(ordering: .acquiring) {
            producer.poll(timeoutMilliseconds: 10)
        }
        committer.storeAdvanced()
        finished.store(true, ordering: .releasing)
    }

    private func send(_ output: OutputRecord) {
        var output = output
        let topic = output.destination == .prediction ? outputTopic : deadLetterTopic
        if output.destination == .deadLetter, let count = output.value?.count, count > Self.maxDeadLetterValueBytes {
            output.value?.removeSubrange(Self.maxDeadLetterValueBytes...)
            // With the service's other headers, ahead of the input's (Records.swift, deadLetter).
            let end = output.headers.firstIndex { !DeadLetterHeader.isReserved($0.name) } ?? output.headers.endIndex
            output.headers.insert(KafkaHeader(name: DeadLetterHeader.truncated, string: "true"), at: end)
            counters.truncatedDeadLetters.add(1, ordering: .relaxed)
        }
        while true {
            do {
                try producer.send(
                    topic: topic,
                    key: output.key,
                    value: output.value,
                    headers: output.headers,
                    token: output.ticket.rawValue
                )
                break
            } catch  where error.code == .queueFull {
                // librdkafka's queue is full (broker slow or down): serve reports and retry.
                producer.poll(timeoutMilliseconds: 1)
                if abandon.load(ordering: .acquiring) { return }
            } catch {
                counters.deliveryFailures.add(1, ordering: .relaxed)
                logger.error("produce to \(topic) refused: \(error)")
                return
            }
        }
        counters.produced.add(1, ordering: .relaxed)
        switch output.destination {
        case .prediction:
            counters.predicted.add(1, ordering: .relaxed)
            if output.anomalous { counters.anomalous.add(1, ordering: .relaxed) }
        case .deadLetter:
            counters.deadLettered.add(1, ordering: .relaxed)
        }
        latency.record(nanoseconds: MonotonicDeadline.now().nanoseconds - output.receivedNanoseconds)
    }
}
