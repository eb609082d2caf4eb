import Demo
import Foundation
import Kafka
import Logging
import Platform
import Service
import Synchronization

/// Drain mode: preload `count` requests, start a pipeline, time until every answer is acknowledged.
struct DrainRun {
    /// How the preloaded requests are encoded: the generator's JSON (and access-log lines), or
    /// the same requests as Avro records in the Confluent wire format (``AvroDrainInput``).
    enum Input: String {
        case json
        case avro
    }

    struct Result: Codable {
        var pipeline: String
        var count: Int
        var seconds: Double
        var requestsPerSecond: Double
        var cpuMicrosecondsPerRequest: Double
        var backPressurePauses: Int
        var meanBatch: Double
        /// Answers by kind: the same requests in either encoding should give the same counts.
        var deadLettered: Int
        var anomalous: Int
    }

    var count: Int
    var partitions: Int32
    var workers: Int?
    var maxBatch: Int
    var model: String
    var ringCapacity: Int
    /// An existing cluster instead of the embedded broker (`--brokers`).
    var brokers: String? = nil
    /// The Avro requests and their registry; needed for ``Input/avro`` runs.
    var avro: AvroDrainInput? = nil
    /// `exactlyOnce` drains through Kafka transactions: its run is named `service-eos`, and it is
    /// done when every answer is committed (at-least-once: acknowledged).
    var guarantee = DeliveryGuarantee.atLeastOnce

    /// The seed of the drain's ``TrafficGenerator``: both inputs carry the same requests.
    static let generatorSeed: UInt64 = 42

    /// The key (and JSON id) of request `index`.
    static func key(_ index: Int) -> String { "d-\(index)" }

    /// The timestamp of request `index`.
    static func timestamp(_ index: Int) -> Int64 { 1_764_072_000_000 + Int64(index) }

    /// A run's name in the output and the report: `echo` and `service` for JSON input, as before
    /// the Avro input existed, and `echo-avro`, `service-avro` for Avro input.
    static func name(echo: Bool, input: Input) -> String {
        (echo ? "echo" : "service") + (input == .avro ? "-avro" : "")
    }

    func run(echo: Bool, input: Input = .json, logger: Logger) throws -> Result {
        let cluster = try BenchCluster(brokers: brokers, partitions: partitions)
        let name = Self.name(echo: echo, input: input) + (guarantee == .exactlyOnce ? "-eos" : "")
        let group = "drain-\(name)" + cluster.suffix
        try cluster.startAtInputEnd(group: group)
        var avroValues: [[UInt8]]? = nil
        if input == .avro {
            guard let avro else { throw BenchError("an Avro drain needs its input (AvroDrainInput)") }
            avroValues = avro.values
        }
        try Self.preload(cluster, count: count, values: avroValues)
        var configuration = ServiceConfiguration()
        configuration.brokers = cluster.bootstrapServers
        configuration.input = cluster.input
        configuration.output = cluster.output
        configuration.deadLetter = cluster.deadLetter
        configuration.group = group
        configuration.workers = workers
        configuration.maxBatch = maxBatch
        configuration.ringCapacity = ringCapacity
        configuration.model = model
        configuration.kafkaConsumer = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
        configuration.guarantee = guarantee
        configuration.transactionalID = group
        if input == .avro, let avro {
            // As `serve --input-format avro --schema-registry URL` runs: each worker fetches the
            // writer schema once, on the first record that names it.
            configuration.inputFormat = .avro
            configuration.schemaRegistryURLs = [avro.url]
        }
        let makeProcessor: (Int) throws -> any BatchProcessor =
            echo
            ? { _ in EchoProcessor() }
            : makeInferenceProcessors(
                model: try configuration.loadModel(),
                maxBatch: maxBatch,
                options: try configuration.processorOptions(logger: logger)
            )
        // Metrics as `serve --metrics-port` reports them: into a Prometheus registry, pushed every
        // second by the pipeline's metrics thread (each pipeline its own, so they do not add up).
        let pipeline = try Pipeline(
            configuration: configuration,
            logger: logger,
            metricsFactory: PrometheusExporter().factory,
            makeProcessor: makeProcessor
        )
        try pipeline.start()
        defer { pipeline.stop(timeoutSeconds: 30) }
        // The clock starts with the first consumed record, so the group join is not timed.
        while pipeline.counters.consumed.load(ordering: .relaxed) == 0 { sleepThread(for: .microseconds(100)) }
        let startWall = Clock.seconds()
        let startCPU = Clock.processCPUSeconds()
        let deadline = startWall + 600
        // Under exactly-once an answer counts once its transaction commits (`produced` is counted
        // at the commit); otherwise once the broker acknowledges it.
        let counters = pipeline.counters
        let exactlyOnce = guarantee == .exactlyOnce
        func answered() -> Int {
            exactlyOnce ? counters.produced.load(ordering: .relaxed) : counters.acknowledged.load(ordering: .relaxed)
        }
        while answered() < count {
            guard Clock.seconds() < deadline else {
                throw BenchError(
                    "drain stalled at \(pipeline.counters.snapshot) (did the mock broker drop batches? use more partitions)"
                )
            }
            sleepThread(for: .microseconds(200))
        }
        let seconds = Clock.seconds() - startWall
        let cpu = Clock.processCPUSeconds() - startCPU
        let counts = pipeline.counters.snapshot
        return Result(
            pipeline: name,
            count: count,
            seconds: seconds,
            requestsPerSecond: Double(count) / seconds,
            cpuMicrosecondsPerRequest: cpu / Double(count) * 1e6,
            backPressurePauses: counts.backPressurePauses,
            meanBatch: Self.meanBatch(pipeline.batchSizes.snapshot()),
            deadLettered: counts.deadLettered,
            anomalous: counts.anomalous
        )
    }

    /// Mean micro-batch size: records scored over batches, both exact.
    static func meanBatch(_ sizes: AtomicHistogram.Snapshot) -> Double {
        sizes.count == 0 ? 0 : Double(sizes.sum) / Double(sizes.count)
    }

    /// Produces `count` requests, spread by key over the partitions, and waits for them: generated
    /// JSON ones, or `values` (the same requests in another encoding) when given.
    static func preload(_ cluster: BenchCluster, count: Int, values: [[UInt8]]? = nil) throws {
        var configuration = KafkaConfiguration.producer(bootstrapServers: cluster.bootstrapServers)
        configuration["linger.ms"] = "20"
        let producer = try KafkaProducer(configuration: configuration) { report in
            if let error = report.error { fatalError("preload delivery failed: \(error)") }
        }
        if let values { precondition(values.count >= count, "fewer preloaded values than requests") }
        var generator = TrafficGenerator(seed: generatorSeed)
        for index in 0..<count {
            let key = Self.key(index)
            let value = values?[index] ?? generator.next(id: key, timestampMilliseconds: timestamp(index)).value
            while true {
                do {
                    try producer.send(
                        topic: cluster.input,
                        key: Array(key.utf8),
                        value: value,
                        token: UInt(index)
                    )
                    break
                } catch {
                    producer.poll(timeoutMilliseconds: 5)
                }
            }
        }
        try producer.flush(timeoutMilliseconds: 120_000)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Clock {
    static func seconds() -> Double {
        Double(MonotonicDeadline.now().nanoseconds) / 1e9
    }

    /// User + system CPU of the whole process (the in-process broker's threads included).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        unsafe getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
