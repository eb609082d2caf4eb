import FoundationEssentials
import Inference
import Kafka
import Platform
import RingBuffer
import Service
import Synchronization

/// The demo's open-loop traffic source: request `i` is due at `start + i / rate` (per step of a
/// schedule: ``SendSchedule``); if the sender falls behind it sends at once but keeps the due
/// time, so latency includes the delay.
final class DemoSender: @unchecked Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let ledger: DemoLedger
    private let options: DemoRunner.Options
    /// The registry id of the reference request schema when requests go as Avro.
    private let avroSchemaID: UInt32?
    private let finished = Atomic<Bool>(false)
    private var thread: PinnedThread?

    init(
        bootstrapServers: String,
        topic: String,
        ledger: DemoLedger,
        options: DemoRunner.Options,
        avroSchemaID: UInt32? = nil
    ) throws(ServiceError) {
        var configuration = KafkaConfiguration.producer(bootstrapServers: bootstrapServers)
        // Fixed-rate runs measure latency: up to 1,000/s each request goes at once; above, one
        // produce request per message would swamp the single mock broker thread (queueing that
        // shows as tens of ms), so requests wait up to 1 ms to share one. Flat-out runs batch.
        let schedule = options.schedule
        let flatOut = schedule.allSatisfy { $0.rate <= 0 }
        let peak = schedule.map { $0.rate <= 0 ? Double.infinity : $0.rate }.max() ?? 0
        configuration["linger.ms"] = flatOut ? "5" : peak > 1_000 ? "1" : "0"
        do {
            producer = try KafkaProducer(configuration: configuration) { _ in }
        } catch {
            throw .startup("demo producer: \(error)")
        }
        self.topic = topic
        self.ledger = ledger
        self.options = options
        self.avroSchemaID = avroSchemaID
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    func start() {
        thread = try? PinnedThread(name: "demo-sender", cpu: nil) { [self] in run() }
    }

    private func run() {
        var generator = TrafficGenerator(attackShare: options.attackShare)
        let parser = RequestParser()
        var schedule = SendSchedule(
            steps: options.schedule,
            startNanoseconds: MonotonicDeadline.now().sinceOrigin.nanosecondsSinceOrigin
        )
        var index = 0
        while true {
            let now = MonotonicDeadline.now().sinceOrigin.nanosecondsSinceOrigin
            guard let due = schedule.nextDue(now: now) else { break }
            let wait = due - now
            if wait > 50_000 {
                sleepThread(for: .nanoseconds(min(wait, 10_000_000)))
                producer.poll(timeoutMilliseconds: 0)
                continue
            }
            let id = "d-\(index)"
            var request = generator.next(id: id, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1_000))
            if let avroSchemaID, request.kind != .malformed {
                request.value = Self.avroRecord(request.value, schemaID: avroSchemaID, parser: parser)
            }
            ledger.sent(index, intendedNanoseconds: due)
            while true {
                do {
                    try producer.send(topic: topic, key: Array(id.utf8), value: request.value, token: UInt(index))
                    break
                } catch {
                    producer.poll(timeoutMilliseconds: 1)  // queue full: let it drain
                }
            }
            producer.poll(timeoutMilliseconds: 0)
            schedule.sent()
            index += 1
        }
        try? producer.flush(timeoutMilliseconds: 30_000)
        finished.store(true, ordering: .releasing)
    }
}

extension DemoSender {
    /// The generator's JSON or log line as the reference schema's Avro record in the wire
    /// format: what a producer with Confluent's serializer would send for the same request.
    static func avroRecord(_ text: [UInt8], schemaID: UInt32, parser: RequestParser) -> [UInt8] {
        let parsed = ParsedRequest()
        // The generator's requests all parse (the malformed ones are not converted).
        guard (try? parser.parse(text, into: parsed)) != nil else { return text }
        var record: [UInt8] = []
        ConfluentWireFormat.appendHeader(schemaID: schemaID, to: &record)
        return record + AvroRequestSchema.encode(HTTPRequest(parsed))
    }
}

/// Reads predictions and dead letters and reports each to the ledger.
final class DemoObserver: @unchecked Sendable {
    private let consumer: KafkaConsumer
    private let deadLetterTopic: String
    private let ledger: DemoLedger
    private let stopping = Atomic<Bool>(false)
    private let assigned = AtomicFlag()
    private var thread: PinnedThread?

    init(bootstrapServers: String, group: String, topics: [String], ledger: DemoLedger) throws(ServiceError) {
        var configuration = KafkaConfiguration.consumer(bootstrapServers: bootstrapServers, groupID: group)
        configuration["session.timeout.ms"] = "6000"
        configuration["heartbeat.interval.ms"] = "500"
        configuration["enable.auto.commit"] = "false"
        configuration["fetch.wait.max.ms"] = "1"
        let flag = assigned
        do {
            consumer = try KafkaConsumer(
                configuration: configuration,
                topics: topics,
                rebalance: RebalanceHandlers(assigned: { _, _ in flag.set() })
            )
        } catch {
            throw .startup("demo observer: \(error)")
        }
        deadLetterTopic = topics[1]
        self.ledger = ledger
        thread = try? PinnedThread(name: "demo-observer", cpu: nil) { [self] in run() }
    }

    var isAssigned: Bool { assigned.isSet }

    private func run() {
        var batch: [KafkaMessage] = []
        let marker = Array("\"anomalous\":true".utf8)
        while !stopping.load(ordering: .acquiring) {
            batch.removeAll(keepingCapacity: true)
            consumer.poll(into: &batch, maxMessages: 1_000, timeoutMilliseconds: 20)
            let now = MonotonicDeadline.now().sinceOrigin
            for message in batch {
                let deadLetter = message.topic == deadLetterTopic
                let anomalous = !deadLetter && message.value.firstRange(of: marker) != nil
                ledger.answered(key: message.key, deadLetter: deadLetter, anomalous: anomalous, at: now)
            }
        }
        try? consumer.close()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
    }
}

/// A one-way flag shareable with closures (an `Atomic` cannot be captured).
final class AtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
