import ArgumentParser
import FoundationEssentials
import Inference
import Logging
import Platform
import RingBuffer
import Service

/// `anomaly-service serve`: the production service.
///
/// Its settings are not declared here: each is declared once in ``ServiceConfiguration/settings``,
/// which parses the flags (collected here as they come), the file and the environment, and writes
/// the SETTINGS part of `--help`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Consume requests, score them, and produce one prediction (or dead letter) per request.",
        usage: "anomaly-service serve [--config FILE] [-b HOST:PORT] [--SETTING VALUE ...]",
        discussion: ServiceConfiguration.settingsHelp + """

            At-least-once: an input offset is committed only after its answer is acknowledged; \
            librdkafka properties that would break that are refused. SIGINT/SIGTERM drain, flush, \
            commit and exit 0 (before the pipeline runs: exit 0 at once); a second signal during the \
            drain exits at once (130). SIGHUP reloads the model. docs/OPERATIONS.md explains each setting \
            and the tuned librdkafka defaults.
            """
    )

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func run() throws {
        if settings == ["--settings-table"] {
            print(ServiceConfiguration.settingsTable, terminator: "")
            return
        }
        let resolved: (configuration: ServiceConfiguration, warnings: [String])
        do {
            resolved = try ServiceConfiguration.resolve(
                arguments: settings,
                environment: ProcessInfo.processInfo.environment
            )
        } catch {
            // The problem and where to look, without the generic usage line ArgumentParser would
            // add (its usage is the root command's when the error comes from run).
            writeToStandardError("Error: \(error.description)\n  See 'anomaly-service serve --help'.\n")
            throw ExitCode.validationFailure
        }
        let logger = makeLogger(
            label: "anomaly-service",
            level: Logger.Level(rawValue: resolved.configuration.logLevel) ?? .info,
            format: resolved.configuration.logFormat
        )
        for warning in resolved.warnings { logger.warning("\(warning.escapedForLog)") }
        let signals = LifecycleSignals.start(logger: logger)
        var configuration = resolved.configuration.applyingProfile(
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
        try waitForBroker(configuration, seconds: configuration.waitForBrokerSeconds, logger: logger)
        if configuration.explain > 0 && model.kernel != .linear {
            logger.warning(
                "explanations need a linear model; \(model.identifier.escapedForLog) is \(model.kernel): predictions go unexplained"
            )
        }
        // The registry after the broker: an Avro output schema is registered before anything is consumed.
        signals.preparing("preparing the input and output formats")
        let options = try configuration.processorOptions(logger: logger)
        // From here a stop waits for the pipeline to start and then drains it: the consumers exist.
        signals.running()
        let models = ModelSwitch(model)
        let pipeline = try Pipeline(
            configuration: configuration,
            logger: logger,
            makeProcessor: makeReloadingProcessors(
                models: models,
                maxBatch: configuration.maxBatch,
                options: options
            )
        )
        pipeline.failure.onFailure { reason in signals.stopForFailure(reason) }
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
        if let failure = signals.failure {
            logger.critical("stopped after a failure: \(failure.escapedForLog)")
            throw ExitCode(1)
        }
        if !inTime { throw ExitCode(1) }
    }
}

/// A stderr logger at `level`, as text or (`format` json) one JSON object per line.
func makeLogger(label: String, level: Logger.Level, format: String = "text") -> Logger {
    var logger =
        format == "json"
        ? Logger(label: label) { JSONLogHandler(label: $0) }
        : Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}

/// A stderr logger at the level named `level`, or a usage error naming the bad level.
func makeLogger(label: String, level: String) throws -> Logger {
    guard let parsed = Logger.Level(rawValue: level) else {
        throw ValidationError(
            "--log-level '\(level)' is not one of trace, debug, info, notice, warning, error, critical"
        )
    }
    return makeLogger(label: label, level: parsed)
}
