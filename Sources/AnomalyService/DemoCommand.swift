import ArgumentParser
import Foundation
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
    @Option(help: "Model file.")
    var model: String = "models/default.model"
    @Option(name: .customLong("attack-share"), help: "Share of generated requests that are attacks.")
    var attackShare: Double = 0.1
    @Flag(name: .customLong("no-pin"), help: "Do not pin worker threads to CPUs.")
    var noPin = false
    @Flag(help: "Answer each request with its own bytes instead of scoring it (the transport's ceiling).")
    var echo = false
    @Option(help: "Leading seconds whose latency is not recorded (start-up).")
    var warmup: Double = 1
    @Option(name: .customLong("log-level"), help: "Log level for the service's logs on standard error.")
    var logLevel: String = "warning"

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or positive, got \(rate)") }
        guard partitions > 0 else { throw ValidationError("--partitions must be positive, got \(partitions)") }
        guard (0...1).contains(attackShare) else { throw ValidationError("--attack-share must be within 0...1") }
        if let workers, workers <= 0 { throw ValidationError("--workers must be positive, got \(workers)") }
    }

    func run() throws {
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
        let runner = DemoRunner(options: options, logger: try makeLogger(label: "demo", level: logLevel))
        // Unbuffered writes, so each status line shows up at once even when piped.
        let write = { (line: String) in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        let summary = try runner.run(status: write)
        write(summary.jsonLine)
        if summary.lost > 0 { throw ExitCode(1) }
    }
}
