import FoundationEssentials
import Inference
import Kafka
import Logging
import Platform
import RingBuffer
import SchemaRegistry
import Service
import Synchronization

/// The main job on a fresh machine: the embedded broker, the service with a model, and a traffic
/// generator sending open-loop at a fixed rate; an observer reads every prediction and dead letter
/// and measures latency from each request's *intended* send time (no coordinated omission).
public final class DemoRunner: Sendable {
    public struct Options: Sendable {
        public var seconds = 10.0
        /// Requests per second; 0 sends as fast as the producer accepts.
        public var rate = 1_000.0
        public var partitions: Int32 = 8
        public var consumers = 1
        public var workers: Int? = nil
        public var maxBatch = 64
        public var model = "models/default.model"
        public var attackShare = 0.1
        public var pinThreads = true
        /// How long to wait, after sending stops, for the last answers.
        public var drainSeconds = 30.0
        /// Leading seconds whose requests' latency is not recorded (start-up is not steady state).
        public var warmupSeconds = 1.0
        /// An existing cluster (`host:port,...`) instead of the embedded broker. Its topics
        /// `requests`, `predictions` and `requests.dlq` must exist; the run reads them from their
        /// current ends with consumer groups of its own.
        public var brokers: String? = nil
        /// `echo` answers each request with its own bytes: the transport's ceiling, for baselines.
        public var echo = false
        /// `avro` sends requests as Avro records in the Confluent wire format, their schema in a
        /// development registry the demo starts (embedded broker only); the service reads them
        /// with `input-format avro`. Other formats send the generator's JSON and log lines.
        public var inputFormat = InputFormat.auto
        /// `exactlyOnce` serves with Kafka transactions (a transactional id of the run's own).
        public var guarantee = DeliveryGuarantee.atLeastOnce
        /// Called with every recorded latency (nanoseconds from the intended send time, after the
        /// warm-up), on the observer thread: for a harness's own histogram (e.g. HDR).
        public var latencySink: (@Sendable (Int64) -> Void)? = nil
        /// Called with the pipeline once the run's answers are in, before it stops: for a harness
        /// that reads the service's own figures (its latency histogram, its counters).
        public var beforeStop: (@Sendable (Pipeline) -> Void)? = nil
        /// Offered-rate steps run one after another, instead of ``rate`` for ``seconds``.
        public var rateSteps: [RateStep] = []
        /// The service's `latency-budget-ms`; nil: every batch may take up to ``maxBatch``.
        public var latencyBudgetMilliseconds: Double? = nil
        /// Called once a second, on the status loop, with that second's figures.
        public var intervalSink: (@Sendable (Interval) -> Void)? = nil

        public init() {}
    }

    /// The demo's closing line, `{"sent":…,"predicted":…,…}`.
    public struct Summary: Sendable, Codable, Equatable {
        public var sent: Int
        public var predicted: Int
        public var deadLettered: Int
        public var lost: Int
        public var duplicates: Int
        public var throughputPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var anomalous: Int

        enum CodingKeys: String, CodingKey {
            case sent, predicted, lost, duplicates, anomalous
            case deadLettered = "dead_lettered"
            case throughputPerSecond = "throughput_per_s"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }

        public var jsonLine: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }
    }

    private let options: Options
    private let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// The topics and the cluster: a fresh embedded broker, or, with ``Options/brokers``, that
    /// cluster's existing topics with the run's own consumer groups (a unique suffix) started at
    /// the topics' current ends (``SharedClusterStart``), so runs never read each other's records.
    private func prepareCluster(
        status: (String) -> Void
    ) throws(ServiceError) -> (
        topics: (input: String, output: String, deadLetter: String, suffix: String), bootstrapServers: String,
        broker: EmbeddedBroker?
    ) {
        let suffix = options.brokers == nil ? "" : SharedClusterStart.runSuffix()
        let topics = (input: "requests", output: "predictions", deadLetter: "requests.dlq", suffix: suffix)
        if let brokers = options.brokers {
            try SharedClusterStart.pin(
                groups: [
                    "anomaly-demo" + suffix: [topics.input],
                    "demo-observer" + suffix: [topics.output, topics.deadLetter],
                ],
                brokers: brokers
            )
            status(
                "cluster at \(brokers); topics \(topics.input), \(topics.output), \(topics.deadLetter) from their current ends"
            )
            return (topics, brokers, nil)
        }
        let broker: EmbeddedBroker
        do {
            broker = try EmbeddedBroker(
                topics: [
                    topics.input: options.partitions, topics.output: options.partitions,
                    topics.deadLetter: options.partitions,
                ]
            )
        } catch {
            throw .startup("embedded broker: \(error)")
        }
        status(
            "embedded broker at \(broker.bootstrapServers); topics \(topics.input), \(topics.output), \(topics.deadLetter)"
        )
        return (topics, broker.bootstrapServers, broker)
    }

    /// Runs the demo; `status` receives one line per second.
    public func run(status: (String) -> Void) throws(ServiceError) -> Summary {
        guard options.inputFormat != .avro || options.brokers == nil else {
            throw .configuration(
                "--input-format avro runs on the embedded broker with its development registry; against a cluster, produce Avro with your own serializer and run serve --schema-registry"
            )
        }
        let (topics, bootstrapServers, broker) = try prepareCluster(status: status)
        defer { withExtendedLifetime(broker) {} }
        let registry = try startRegistry(subject: topics.input + "-value", status: status)
        defer { registry?.server.stop() }

        var configuration = ServiceConfiguration()
        configuration.brokers = bootstrapServers
        configuration.input = topics.input
        configuration.output = topics.output
        configuration.deadLetter = topics.deadLetter
        configuration.group = "anomaly-demo" + topics.suffix
        configuration.consumers = options.consumers
        configuration.workers = options.workers
        configuration.maxBatch = options.maxBatch
        configuration.latencyBudgetMilliseconds = options.latencyBudgetMilliseconds
        configuration.model = options.model
        configuration.pinThreads = options.pinThreads
        configuration.kafkaConsumer = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
        configuration.inputFormat = options.inputFormat
        configuration.guarantee = options.guarantee
        configuration.transactionalID = configuration.group + "-transactions"
        if let registry { configuration.schemaRegistryURLs = [registry.url] }
        let makeProcessor: (Int) throws -> any BatchProcessor
        if options.echo {
            status("echo pipeline: every request is answered with its own bytes")
            makeProcessor = { _ in EchoProcessor() }
        } else {
            let model = try configuration.loadModel()
            status(
                "model \(model.identifier.escapedForLog): \(model.kernel), \(model.supportVectorCount) support vectors, dim \(model.dimension)"
            )
            makeProcessor = makeInferenceProcessors(
                model: model,
                maxBatch: configuration.maxBatch,
                options: try configuration.processorOptions(logger: logger)
            )
        }
        let pipeline = try Pipeline(configuration: configuration, logger: logger, makeProcessor: makeProcessor)
        try pipeline.start()
        defer { pipeline.stop(timeoutSeconds: 30) }

        let ledger = DemoLedger(latencySink: options.latencySink)
        let observer = try DemoObserver(
            bootstrapServers: bootstrapServers,
            group: "demo-observer" + topics.suffix,
            topics: [topics.output, topics.deadLetter],
            ledger: ledger
        )
        defer { observer.stop() }
        status("waiting for the consumer group to form")
        guard waitUntil(seconds: 30, { !pipeline.assignment().isEmpty && observer.isAssigned }) else {
            throw .startup("the service's consumer group did not form within 30 s")
        }

        let sender = try DemoSender(
            bootstrapServers: bootstrapServers,
            topic: topics.input,
            ledger: ledger,
            options: options,
            avroSchemaID: registry?.schemaID
        )
        let started = MonotonicDeadline.now().sinceOrigin
        ledger.warmupEndNanoseconds.store(
            (started + .milliseconds(Int64(options.warmupSeconds * 1_000))).nanosecondsSinceOrigin,
            ordering: .relaxed
        )
        sender.start()
        var second = 0
        var serviceLatency = pipeline.latency.snapshot()
        var sentBefore = 0
        while true {
            sleepThread(for: .microseconds(1_000_000))
            second += 1
            let window = ledger.latency.snapshot(reset: true)
            ledger.total.merge(window)
            let counts = ledger.counts
            if let sink = options.intervalSink {
                let latency = pipeline.latency.snapshot()
                sink(
                    Interval(
                        second: second,
                        sent: counts.sent - sentBefore,
                        answered: counts.answered - ledger.answeredAtLastStatus,
                        batchTargetSize: pipeline.batchTargetSize,
                        serviceP99Nanoseconds: latency.quantile(
                            0.99,
                            since: serviceLatency,
                            upperBounds: pipeline.latency.upperBounds
                        ),
                        endToEndP99Nanoseconds: window.total == 0 ? nil : window.value(atQuantile: 0.99)
                    )
                )
                serviceLatency = latency
                sentBefore = counts.sent
            }
            let latency =
                window.total == 0
                ? "p50=- p99=- (warm-up)"
                : "p50=\(Self.milliseconds(window.value(atQuantile: 0.5)))ms p99=\(Self.milliseconds(window.value(atQuantile: 0.99)))ms"
            status(
                "t=\(second)s sent=\(counts.sent) answered=\(counts.answered) rate=\(counts.answered - ledger.answeredAtLastStatus)/s "
                    + "\(latency) anomalous=\(counts.anomalous) dead_lettered=\(counts.deadLettered) lag=\(counts.sent - counts.answered)"
            )
            ledger.answeredAtLastStatus = counts.answered
            if sender.isFinished { break }
        }
        let drainUntil = MonotonicDeadline.now().sinceOrigin + .milliseconds(Int64(options.drainSeconds * 1_000))
        while ledger.counts.answered < ledger.counts.sent && MonotonicDeadline.now().sinceOrigin < drainUntil {
            sleepThread(for: .microseconds(10_000))
        }
        options.beforeStop?(pipeline)
        let elapsed = (ledger.lastAnswer ?? MonotonicDeadline.now().sinceOrigin) - started
        ledger.total.merge(ledger.latency.snapshot(reset: true))
        let counts = ledger.counts
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Summary(
            sent: counts.sent,
            predicted: counts.predicted,
            deadLettered: counts.deadLettered,
            lost: counts.sent - counts.answered,
            duplicates: counts.duplicates,
            throughputPerSecond: seconds > 0 ? (Double(counts.answered) / seconds).rounded() : 0,
            p50Milliseconds: Self.milliseconds(ledger.total.value(atQuantile: 0.5)),
            p99Milliseconds: Self.milliseconds(ledger.total.value(atQuantile: 0.99)),
            anomalous: counts.anomalous
        )
    }

    /// With `input-format avro`: the development registry on a free loopback port, with the
    /// reference request schema registered under `subject`.
    private func startRegistry(
        subject: String,
        status: (String) -> Void
    ) throws(ServiceError) -> (server: SchemaRegistryServer, url: String, schemaID: UInt32)? {
        guard options.inputFormat == .avro else { return nil }
        let server = SchemaRegistryServer(port: 0)
        do {
            let port = try server.start()
            let url = "http://127.0.0.1:\(port)"
            let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
            let schemaID = try client.register(subject: subject, schema: AvroRequestSchema.json)
            status("development schema registry at \(url); requests are Avro, schema \(schemaID) under \(subject)")
            return (server, url, schemaID)
        } catch {
            server.stop()
            throw .startup("development schema registry: \(error.description)")
        }
    }

    static func milliseconds(_ nanoseconds: Int64) -> Double {
        (Double(nanoseconds) / 10_000).rounded() / 100
    }
}

func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicDeadline.now().sinceOrigin + .milliseconds(Int64(seconds * 1_000))
    while MonotonicDeadline.now().sinceOrigin < deadline {
        if condition() { return true }
        sleepThread(for: .microseconds(20_000))
    }
    return condition()
}
