import Demo
import Foundation
import Kafka
import Logging
import Platform
import Service
import Synchronization

/// Drain mode: preload `count` requests, start a pipeline, time until every answer is acknowledged.
struct DrainRun {
    struct Result: Codable {
        var pipeline: String
        var count: Int
        var seconds: Double
        var requestsPerSecond: Double
        var cpuMicrosecondsPerRequest: Double
        var backPressurePauses: Int
        var meanBatch: Double
    }

    var count: Int
    var partitions: Int32
    var workers: Int?
    var maxBatch: Int
    var model: String
    var ringCapacity: Int
    /// An existing cluster instead of the embedded broker (`--brokers`).
    var brokers: String? = nil

    func run(echo: Bool, logger: Logger) throws -> Result {
        let cluster = try BenchCluster(brokers: brokers, partitions: partitions)
        let group = "drain-\(echo ? "echo" : "service")" + cluster.suffix
        try cluster.startAtInputEnd(group: group)
        try Self.preload(cluster, count: count)
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
        let makeProcessor: (Int) throws -> any BatchProcessor =
            echo
            ? { _ in EchoProcessor() }
            : makeInferenceProcessors(model: try configuration.loadModel(), maxBatch: maxBatch)
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
        while pipeline.counters.acknowledged.load(ordering: .relaxed) < count {
            guard Clock.seconds() < deadline else {
                throw BenchError(
                    "drain stalled at \(pipeline.counters.snapshot) (did the mock broker drop batches? use more partitions)"
                )
            }
            sleepThread(for: .microseconds(200))
        }
        let seconds = Clock.seconds() - startWall
        let cpu = Clock.processCPUSeconds() - startCPU
        return Result(
            pipeline: echo ? "echo" : "service",
            count: count,
            seconds: seconds,
            requestsPerSecond: Double(count) / seconds,
            cpuMicrosecondsPerRequest: cpu / Double(count) * 1e6,
            backPressurePauses: pipeline.counters.snapshot.backPressurePauses,
            meanBatch: Self.meanBatch(pipeline.batchSizes.snapshot())
        )
    }

    /// Mean micro-batch size: records scored over batches, both exact.
    static func meanBatch(_ sizes: AtomicHistogram.Snapshot) -> Double {
        sizes.count == 0 ? 0 : Double(sizes.sum) / Double(sizes.count)
    }

    /// Produces `count` generated requests, spread by key over the partitions, and waits for them.
    static func preload(_ cluster: BenchCluster, count: Int) throws {
        var configuration = KafkaConfiguration.producer(bootstrapServers: cluster.bootstrapServers)
        configuration["linger.ms"] = "20"
        let producer = try KafkaProducer(configuration: configuration) { report in
            if let error = report.error { fatalError("preload delivery failed: \(error)") }
        }
        var generator = TrafficGenerator(seed: 42)
        for index in 0..<count {
            let key = "d-\(index)"
            let request = generator.next(id: key, timestampMilliseconds: 1_764_072_000_000 + Int64(index))
            while true {
                do {
                    try producer.send(
                        topic: cluster.input,
                        key: Array(key.utf8),
                        value: request.value,
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
