import Foundation

/// What a transport run measures: a separate process that consumes the preloaded requests and
/// answers each one, timed by the harness's consumer.
enum TransportSubject: String, CaseIterable {
    /// bare-loop: librdkafka's canonical consume -> produce loop in C, the transport's limit.
    case bare
    /// `anomaly-service serve` with its defaults.
    case service
    /// The service's own pipeline with the zero-cost ``EchoProcessor`` (`e2e-bench echo-serve`).
    case echo
    /// The Python seed design (bench/python_seed), one consumer process per CPU it may use.
    case seed
    /// `serve` of another build (`--before-binary`), e.g. the commit before a change, measured in
    /// the same invocation as ``service``.
    case before

    /// Where the programs and files a subject needs are.
    struct Paths {
        var serviceBinary: String
        /// The build ``before`` runs (`--before-binary`).
        var beforeBinary: String? = nil
        /// This e2e-bench, for `echo-serve`.
        var benchBinary: String
        var bareLoop: String
        var model: String
        /// The seed's pickled model (``PythonSeedRun/prepare()``); only for ``seed``.
        var seedModel: String?
    }

    /// Whether its CPU includes its child processes' (the seed's workers).
    var includesChildren: Bool { self == .seed }

    /// The command line: reads `input`, answers to `output` (and `deadLetter`) in `group`, and runs
    /// until SIGTERM (bare-loop ends by itself once it has produced and flushed `count` answers).
    func arguments(
        paths: Paths,
        brokers: String,
        group: String,
        count: Int,
        processes: Int
    ) -> [String] {
        let cluster = (input: BenchCluster.inputTopic, output: "predictions", deadLetter: "requests.dlq")
        switch self {
        case .bare:
            return [paths.bareLoop, brokers, cluster.input, cluster.output, group, String(count)]
        case .service, .before, .echo:
            let program =
                switch self {
                case .service: [paths.serviceBinary, "serve"]
                case .before: [paths.beforeBinary ?? paths.serviceBinary, "serve"]
                default: [paths.benchBinary, "echo-serve"]
                }
            return program + [
                "--brokers", brokers, "--input", cluster.input, "--output", cluster.output,
                "--dead-letter", cluster.deadLetter, "--group", group, "--model", paths.model,
                "--kafka-consumer", "session.timeout.ms=6000", "--kafka-consumer", "heartbeat.interval.ms=500",
                "--log-level", "warning",
            ]
        case .seed:
            // --expect beyond reach: the harness stops it (SIGTERM) once its CPU is read.
            return [
                "python3", "bench/python_seed/seed_service.py", "--brokers", brokers,
                "--model", paths.seedModel ?? "", "--input", cluster.input, "--output", cluster.output,
                "--group", group, "--expect", String(count * 1000), "--processes", String(processes),
                "--timeout", String(3600), "--log-level", "WARNING",
            ]
        }
    }
}
