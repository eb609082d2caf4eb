import ArgumentParser
import Foundation
import Inference
import Logging
import Platform
import RingBuffer
import Service

/// `anomaly-service serve`: the production service.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Consume requests, score them, and produce one prediction (or dead letter) per request.",
        discussion: """
            Settings come from defaults, then --config FILE (TOML), then ANOMALY_* environment variables \
            (ANOMALY_BROKERS, ANOMALY_WORKERS, ..., one ANOMALY_KAFKA_<PROPERTY> per librdkafka property: \
            ANOMALY_KAFKA_SASL_PASSWORD is sasl.password), then flags. librdkafka properties pass through \
            with --kafka (both clients), --kafka-consumer and --kafka-producer. \
            At-least-once: an input offset is committed only after its output is acknowledged. \
            SIGINT/SIGTERM drain, flush, commit and exit 0 (before the pipeline runs: exit 0 at once); a \
            second signal during the drain exits at once (130). SIGHUP reloads the model. \
            See docs/OPERATIONS.md for the tuned defaults.
            """
    )

    @Option(help: "Bootstrap servers, HOST:PORT[,HOST:PORT...] (default 127.0.0.1:9092).")
    var brokers: String?
    @Option(help: "Consumer group id (default anomaly-service).")
    var group: String?
    @Option(help: "Input topic (default requests).")
    var input: String?
    @Option(help: "Prediction topic (default predictions).")
    var output: String?
    @Option(name: .customLong("dead-letter"), help: "Dead-letter topic (default requests.dlq).")
    var deadLetter: String?
    @Option(help: "Model file (default models/default.model).")
    var model: String?
    @Option(help: "Consumer instances (polling threads) in this process (default 1).")
    var consumers: Int?
    @Option(help: "Worker threads (default: one per CPU the process may use).")
    var workers: Int?
    @Option(name: .customLong("max-batch"), help: "Largest micro-batch a worker scores (default 64).")
    var maxBatch: Int?
    @Option(name: .customLong("ring-capacity"), help: "Capacity of each input ring and the result ring (default 8192).")
    var ringCapacity: Int?
    @Option(
        name: .customLong("max-in-flight-bytes"),
        help:
            "Bytes of records held in flight, rings and librdkafka queues included (e.g. 256MiB; default 1GiB or half the container's memory)."
    )
    var maxInFlightBytes: String?
    @Flag(name: .customLong("no-pin"), help: "Do not pin worker threads to CPUs.")
    var noPin = false
    @Option(help: "TOML configuration file.")
    var config: String?
    @Option(help: "librdkafka property key=value for both clients (repeatable).")
    var kafka: [String] = []
    @Option(name: .customLong("kafka-consumer"), help: "librdkafka property for the consumers (repeatable).")
    var kafkaConsumer: [String] = []
    @Option(name: .customLong("kafka-producer"), help: "librdkafka property for the producer (repeatable).")
    var kafkaProducer: [String] = []
    @Option(name: .customLong("wait-for-broker"), help: "Seconds to wait for a broker at start; 0 waits forever.")
    var waitForBrokerSeconds: Double = 0
    @Option(name: .customLong("metrics-port"), help: "Serve /metrics (Prometheus), /healthz and /readyz on this port.")
    var metricsPort: String?
    @Option(
        name: .customLong("metrics-host"),
        help: "Host name or address for the metrics endpoint (default 127.0.0.1; 0.0.0.0 or :: for all)."
    )
    var metricsHost: String?
    @Option(
        name: .customLong("model-poll-seconds"),
        help: "Reload the model when its file changes, checked this often (default 2; 0: only on SIGHUP)."
    )
    var modelPollSeconds: String?
    @Option(
        name: .customLong("max-model-memory"),
        help: "Refuse a model whose file or scoring needs more bytes (suffixes KiB, MiB, GiB; default 1GiB)."
    )
    var maxModelMemory: String?
    @Option(help: "default, or edge: 1-2 workers, small rings and queues, for small gateways.")
    var profile: String?
    @Flag(
        help:
            "Add the 5 largest contributing features to each anomalous prediction (linear models; setting: explain = N)."
    )
    var explain = false
    @Option(help: "PREFIX=VALUE: requests whose path starts with PREFIX use this threshold (repeatable).")
    var threshold: [String] = []
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"
    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line for log shippers.")
    var logFormat: String = "text"

    func run() throws {
        let logger = try makeLogger(label: "anomaly-service", level: logLevel, format: logFormat)
        let signals = LifecycleSignals.start(logger: logger)
        var configuration = try resolvedConfiguration().applyingProfile(
            allowedCPUs: (try? CPUSet.allowed().cpus.count) ?? ProcessInfo.processInfo.activeProcessorCount
        )
        // The model first: a bad file fails at once, not after the broker comes up.
        signals.preparing("loading the model")
        logger.info("loading the model from '\(configuration.model)'")
        let model = try configuration.loadModel()
        logger.info(
            "model \(model.identifier.escapedForLog) loaded: \(model.kernel) kernel, \(model.supportVectorCount) support vectors, dim \(model.dimension)"
        )
        // The endpoint before the broker wait: /healthz answers and /readyz says why not yet.
        var exporter: PrometheusExporter?
        var endpoint: OperationsServer?
        if let port = configuration.metricsPort {
            // Per-partition lag comes from librdkafka's statistics; a configured interval wins.
            configuration.kafkaConsumer.insert("statistics.interval.ms=5000", at: 0)
            // Prometheus becomes the process's swift-metrics backend: everything below reports to it.
            let prometheus = PrometheusExporter.bootstrap()
            exporter = prometheus
            endpoint = try OperationsServer(
                host: configuration.metricsHost,
                port: port,
                content: prometheus.content,
                logger: logger
            )
            logger.info("metrics and health on \(endpoint!.address) (/metrics, /healthz, /readyz)")
        }
        defer { endpoint?.stop() }
        signals.preparing("waiting for the broker")
        try waitForBroker(configuration, seconds: waitForBrokerSeconds, logger: logger)
        if configuration.explain > 0 && model.kernel != .linear {
            logger.warning(
                "explanations need a linear model; \(model.identifier.escapedForLog) is \(model.kernel): predictions go unexplained"
            )
        }
        // From here a stop waits for the pipeline to start and then drains it: the consumers exist.
        signals.running()
        let models = ModelSwitch(model)
        let pipeline = try Pipeline(
            configuration: configuration,
            logger: logger,
            makeProcessor: makeReloadingProcessors(
                models: models,
                maxBatch: configuration.maxBatch,
                routes: configuration.routeThresholds,
                explain: configuration.explain
            )
        )
        try pipeline.start()
        // Reloads: SIGHUP, or the file changing; validated off the hot path, swapped between batches.
        let reloader = try ModelReloader(configuration: configuration, models: models, logger: logger)
        defer { reloader.stop() }
        exporter?.attach(pipeline)
        signals.running { [model = configuration.model] in
            logger.notice("SIGHUP: reloading the model from '\(model.escapedForLog)'")
            reloader.requestReload()
        }
        let signal = signals.waitForStop()
        logger.notice("\(signal): draining (a second signal exits at once)")
        let inTime = pipeline.stop(timeoutSeconds: configuration.shutdownTimeoutSeconds)
        let counts = pipeline.counters.snapshot
        logger.notice(
            "stopped: consumed \(counts.consumed), predicted \(counts.predicted), dead-lettered \(counts.deadLettered), anomalous \(counts.anomalous), delivery failures \(counts.deliveryFailures)"
        )
        if !inTime { throw ExitCode(1) }
    }

    /// Defaults, then the file, then the environment, then flags.
    func resolvedConfiguration() throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        if let config {
            try configuration.apply(TOMLDocument(contentsOfFile: config), source: config)
        }
        try configuration.apply(environment: ProcessInfo.processInfo.environment)
        let flags: [(String, String?)] = [
            ("brokers", brokers), ("group", group), ("input", input), ("output", output),
            ("dead-letter", deadLetter), ("model", model), ("consumers", consumers.map(String.init)),
            ("workers", workers.map(String.init)), ("max-batch", maxBatch.map(String.init)),
            ("ring-capacity", ringCapacity.map(String.init)), ("pin-threads", noPin ? "false" : nil),
            ("max-in-flight-bytes", maxInFlightBytes),
            ("metrics-port", metricsPort), ("metrics-host", metricsHost), ("model-poll-seconds", modelPollSeconds),
            ("max-model-memory", maxModelMemory), ("profile", profile), ("explain", explain ? "5" : nil),
        ]
        for case let (name, value?) in flags {
            try configuration.set(name, value, source: "flag --\(name == "pin-threads" ? "no-pin" : name)")
        }
        for rule in threshold { try configuration.routeThresholds.set(rule: rule, source: "flag --threshold") }
        configuration.kafka += kafka
        configuration.kafkaConsumer += kafkaConsumer
        configuration.kafkaProducer += kafkaProducer
        try configuration.validate()
        return configuration
    }
}

/// A stderr logger at `level`, or a validation error naming the bad level.
func makeLogger(label: String, level: String, format: String = "text") throws -> Logger {
    guard let parsed = Logger.Level(rawValue: level) else {
        throw ValidationError(
            "--log-level '\(level)' is not one of trace, debug, info, notice, warning, error, critical"
        )
    }
    guard format == "text" || format == "json" else {
        throw ValidationError("--log-format '\(format)' is not text or json")
    }
    var logger =
        format == "json"
        ? Logger(label: label) { JSONLogHandler(label: $0) }
        : Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = parsed
    return logger
}
