import Foundation
import Kafka

/// `e2e-bench transport-latency`: the sweep over every rate and subject, the table, the
/// service-added latency, the report's `transport_latency` section and the chart (`--svg`).
@MainActor func runTransportLatency() throws {
    var subjects: [TransportSubject] = []
    for name in subjectsOption.map({ $0.split(separator: ",").map(String.init) }) ?? ["bare", "service"] {
        guard let subject = TransportSubject(rawValue: name), subject != .seed else {
            throw BenchError("--subjects: '\(name)' is not one of bare, service, echo")
        }
        if !subjects.contains(subject) { subjects.append(subject) }
    }
    let (benchBinary, bareLoop) = try transportPrograms()
    let defaultRates: [Double] = [1_000, 5_000, 10_000, 20_000, 40_000, 80_000]
    let run = TransportLatencyRun(
        rates: TransportLatencyRun.sweep(ratesOption == nil ? defaultRates : rates, halfOf: halfOf),
        seconds: seconds,
        graceSeconds: graceSeconds,
        partitions: latencyPartitions,
        subjects: subjects,
        tansu: useTansu,
        subjectCPUs: subjectCPUs,
        paths: TransportSubject.Paths(
            serviceBinary: serviceBinary,
            benchBinary: benchBinary,
            bareLoop: bareLoop,
            model: model,
            seedModel: nil
        ),
        harnessConsumer: harnessConsumer,
        harnessProducer: harnessProducer,
        subjectConsumer: subjectConsumer,
        logDirectory: NSTemporaryDirectory() + "e2e-transport-latency-\(getpid())"
    )
    let results = try run.runAll()
    var section = run.report(results)
    section["librdkafka_runtime"] = librdkafkaVersion
    section["half_of"] = halfOf.map { $0 as Any } ?? NSNull()
    report["transport_latency"] = section
    if let svgPath {
        let chart = TransportLatencyChart(
            title: "anomaly-service against the bare librdkafka loop, open loop, "
                + "\(useTansu ? "tansu" : "embedded broker"), \(ProcessInfo.processInfo.activeProcessorCount) CPUs",
            results: results
        )
        try chart.svg().write(toFile: svgPath, atomically: true, encoding: .utf8)
        print("wrote \(svgPath)")
    }
}

/// This e2e-bench and the bare loop beside it, once the service binary and they are known to exist
/// and, with `--tansu`, this process runs librdkafka >= 2.2 (tansu refuses older clients, the
/// harness's own among them; the subjects inherit this process's environment, LD_LIBRARY_PATH
/// included). Exits with status 2 on the latter.
@MainActor func transportPrograms(also extra: [String] = []) throws -> (bench: String, bareLoop: String) {
    let version = librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
    if useTansu, version.lexicographicallyPrecedes([2, 2]) {
        print(
            "--tansu needs librdkafka >= 2.2, this process has \(librdkafkaVersion): "
                + "run with LD_LIBRARY_PATH=$PWD/.build-tansu/lib (bash scripts/setup.sh links it)"
        )
        exit(2)
    }
    let benchBinary = Bundle.main.executablePath ?? CommandLine.arguments[0]
    let bareLoop = URL(fileURLWithPath: benchBinary).deletingLastPathComponent().appendingPathComponent("bare-loop")
        .path
    for program in [serviceBinary, benchBinary, bareLoop] + extra
    where !FileManager.default.isExecutableFile(atPath: program) {
        throw BenchError(
            "\(program) is missing: build the root package (swift build -c release --product anomaly-service) "
                + "and the bench, and run from the repository's root"
        )
    }
    return (benchBinary, bareLoop)
}
