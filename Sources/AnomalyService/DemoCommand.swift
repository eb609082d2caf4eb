import ArgumentParser
import Demo
import FoundationEssentials
import Platform
import Service

/// `anomaly-service demo`: broker, service and traffic in one process, on a fresh machine.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the embedded broker, the service and a traffic generator; report rate, latency and loss.",
        discussion: """
            Sends realistic requests (about 10% attacks, 0.5% malformed) open-loop at --rate per second \
            (0: as fast as possible) for --seconds, prints one status line per second, then one JSON line: \
            {"sent","predicted","dead_lettered","lost","duplicates","throughput_per_s","p50_ms","p99_ms","anomalous"}. \
            Latency is measured from each request's intended send time to the arrival of its answer, so a \
            stall is never hidden. "lost" counts requests with neither a prediction nor a dead letter.
            """
    )

    @Option(help: "How long to send traffic.")
    var seconds: Double = 10
    @Option(help: "Requests per second; 0 sends as fast as possible.")
    var rate: Double = 1_000
    @Option(help: "Partitions of each topic.")
    var partitions: Int32 = 8
    @Option(help: "Worker threads (default: one per CPU the process may use).")
    var workers: Int?
    @Option(help: "Consumer instances in the service.")
    var consumers: Int = 1
    @Option(name: .customLong("max-batch"), help: "Largest micro-batch a worker scores.")
    var maxBatch: Int = 64
    @Option(help: "Model file (default: models/default.model).")
    var model: String = "models/default.model"
    @Option(name: .customLong("attack-share"), help: "Share of generated requests that are attacks.")
    var attackShare: Double = 0.1
    @Flag(name: .customLong("no-pin"), help: "Do not pin worker threads to CPUs.")
    var noPin = false
    @Flag(help: "Answer each request with its own bytes instead of scoring it (the transport's ceiling).")
    var echo = false
    @Option(
        name: [.customLong("bootstrap-server"), .customShort("b"), .customLong("brokers")],
        help:
            "An existing Kafka cluster (host:port,...) instead of the embedded broker; its topics requests, predictions and requests.dlq must exist (anomaly-service topics create)."
    )
    var brokers: String?
    @Option(
        name: .customLong("input-format"),
        help:
            "avro: send requests as Avro records in the Confluent wire format, with a development schema registry, and serve them with --input-format avro; auto (default): JSON objects and access-log lines."
    )
    var inputFormat: String = "auto"

    @Option(
        name: .customLong("guarantee"),
        help:
            "exactly-once: serve with Kafka transactions (answers and offsets committed together); at-least-once (default)."
    )
    var guarantee: String = "at-least-once"
    @Option(help: "Leading seconds whose latency is not recorded (start-up).")
    var warmup: Double = 1
    @Option(name: .customLong("log-level"), help: "Log level for the service's logs on standard error.")
    var logLevel: String = "warning"
    @Option(
        name: .customLong("emit"),
        help: """
            Write this many generated requests to standard output (input contract: JSON objects and \
            access-log lines, no malformed ones, --attack-share attacks) and exit, e.g. the demo shop's \
            normal traffic for `python -m training.train --benign`.
            """
    )
    var emit: Int?
    @Option(name: .customLong("emit-seed"), help: "Generator seed for --emit (the demo itself uses its own).")
    var emitSeed: UInt64 = 7

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or positive, got \(rate)") }
        guard partitions > 0 else { throw ValidationError("--partitions must be positive, got \(partitions)") }
        guard (0...1).contains(attackShare) else { throw ValidationError("--attack-share must be within 0...1") }
        if let workers, workers <= 0 { throw ValidationError("--workers must be positive, got \(workers)") }
        if let emit, emit <= 0 { throw ValidationError("--emit must be positive, got \(emit)") }
        guard DeliveryGuarantee(rawValue: guarantee) != nil else {
            throw ValidationError("--guarantee must be at-least-once or exactly-once, got '\(guarantee)'")
        }
        guard InputFormat(rawValue: inputFormat) != nil else {
            throw ValidationError("--input-format must be auto, json, clf or avro, got '\(inputFormat)'")
        }
    }

    func run() throws {
        if let emit {
            var generator = TrafficGenerator(seed: emitSeed, attackShare: attackShare, malformedShare: 0)
            var out = Data()
            for index in 0..<emit {
                out.append(contentsOf: generator.next(id: "g-\(index)", timestampMilliseconds: 1_764_072_000_000).value)
                out.append(0x0A)
                if out.count > 1 << 20 {
                    try FileOutput.standardOutput.write(out.span)
                    out.removeAll(keepingCapacity: true)
                }
            }
            try FileOutput.standardOutput.write(out.span)
            return
        }
        var options = DemoRunner.Options()
        options.seconds = seconds
        options.rate = rate
        options.partitions = partitions
        options.workers = workers
        options.consumers = consumers
        options.maxBatch = maxBatch
        options.model = model
        options.attackShare = attackShare
        options.pinThreads = !noPin
        options.echo = echo
        options.warmupSeconds = warmup
        options.brokers = brokers
        options.inputFormat = InputFormat(rawValue: inputFormat) ?? .auto
        options.guarantee = DeliveryGuarantee(rawValue: guarantee) ?? .atLeastOnce
        let runner = DemoRunner(options: options, logger: try makeLogger(label: "demo", level: logLevel))
        // Unbuffered writes, so each status line shows up at once even when piped.
        let write = { (line: String) in _ = try? FileOutput.standardOutput.write(line + "\n") }
        let summary = try runner.run(status: write)
        write(summary.jsonLine)
        if summary.lost > 0 { throw ExitCode(1) }
    }
}
