import Demo
import Foundation
import Kafka
import Logging

// e2e-bench: end-to-end figures over the embedded broker or an existing cluster (`--brokers`), the
// service measured against the echo pipeline (same transport, zero-cost processing) in the same
// invocation.
//
//   e2e-bench [drain] [python] [latency] [eos] [budget] [--brokers HOST:PORT,...] [--count N] [--seed-count N]
//             [--partitions P] [--reps R] [--rates 1000,5000] [--seconds S] [--workers W] [--max-batch B]
//             [--model PATH] [--json FILE] [--svg FILE] [--budget-ms MS] [--no-half-rate]
//             [--latency-partitions P] [--input-format json|avro]
//             [--steps 1000,5000,...,max] [--step-seconds S] [--fixed-batches 16,64,256] [--budget-svg FILE]
//   e2e-bench transport [--subjects bare,service,echo] [--seed] [--tansu] [--service-binary PATH]
//             [--subject-cpus LIST] [--count N] [--seed-count N] [--partitions P] [--reps R] [--json FILE]
//   e2e-bench transport-latency [--subjects bare,service] [--tansu] [--rates 1000,5000,...] [--half-of RATE]
//             [--seconds S] [--grace S] [--latency-partitions P] [--harness-consumer K=V] [--harness-producer K=V]
//             [--subject-consumer K=V] [--service-binary PATH] [--subject-cpus LIST] [--json FILE] [--svg FILE]

// `echo-serve SETTINGS...`: the echo pipeline as a process of its own (transport's `echo` subject).
if CommandLine.arguments.dropFirst().first == "echo-serve" {
    try EchoServe.main(Array(CommandLine.arguments.dropFirst(2)))
}

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
/// Given or not: `transport` has defaults of its own (500,000 and 20,000).
let countOption = option("--count").flatMap { Int($0) }
let count = countOption ?? 1_000_000
let partitions = Int32(option("--partitions") ?? "") ?? 64
let reps = Int(option("--reps") ?? "") ?? 3
/// Given or not: `transport-latency` has a default sweep of its own.
let ratesOption = option("--rates")
let rates = (ratesOption ?? "1000,5000,10000,20000").split(separator: ",").compactMap { Double($0) }
let seconds = Double(option("--seconds") ?? "") ?? 10
let workers = Int(option("--workers") ?? "")
let maxBatch = Int(option("--max-batch") ?? "") ?? 64
let ringCapacity = Int(option("--ring-capacity") ?? "") ?? 8_192
let model = option("--model") ?? "models/default.model"
let jsonPath = option("--json")
let svgPath = option("--svg")
let budgetMilliseconds = Double(option("--budget-ms") ?? "") ?? 10
let seedCountOption = option("--seed-count").flatMap { Int($0) }
let seedCount = seedCountOption ?? 10_000
let latencyPartitions = Int32(option("--latency-partitions") ?? "") ?? 8
/// The drain's input: `json` (the generator's values), or `avro`, which drains the same requests
/// as JSON and as Avro records and reports both.
let drainInputName = option("--input-format") ?? "json"
guard let drainInput = DrainRun.Input(rawValue: drainInputName) else {
    print("--input-format must be json or avro, got '\(drainInputName)'")
    exit(2)
}
/// An existing cluster; every run creates its own topics there. Default: a fresh embedded broker per run.
let brokers = option("--brokers")
/// A flag, not an option: skip the sweep's extra step at half the drained maximum.
let skipHalfRate = arguments.contains("--no-half-rate")
arguments.removeAll { $0 == "--no-half-rate" }
/// `budget`: the offered rate per step (`max`: as fast as the sender's producer accepts), each step's
/// length, and the fixed max-batch sizes run beside the budget (which takes the largest as its bound).
let budgetSteps = (option("--steps") ?? "1000,5000,20000,50000,max,50000,20000,5000,1000").split(separator: ",")
    .map { $0 == "max" ? 0 : Double($0) ?? 0 }
let stepSeconds = Double(option("--step-seconds") ?? "") ?? 3
let fixedBatches = (option("--fixed-batches") ?? "16,64,256").split(separator: ",").compactMap { Int($0) }
let budgetSVGPath = option("--budget-svg")
/// `eos`: the latency rates of the exactly-once comparison (default 1000,5000).
let eosRates = (option("--eos-rates") ?? "1000,5000").split(separator: ",").compactMap { Double($0) }
/// `eos`: the exactly-once drain's `transaction-max-records` (default: the service's).
let transactionMaxRecords = option("--transaction-max-records").flatMap { Int($0) }
/// `transport`: the subjects (bare, service, echo; `--seed` adds the Python seed), tansu instead of the
/// embedded broker, the service binary, and a `taskset -c` CPU list for the subjects.
let subjectsOption = option("--subjects")
let transportSubjects = (subjectsOption ?? "bare,service,echo").split(separator: ",").map { String($0) }
let serviceBinary = option("--service-binary") ?? ".build/release/anomaly-service"
/// `transport`: another build of `serve` for the `before` subject (added to the subjects when given).
let beforeBinary = option("--before-binary")
let subjectCPUs = option("--subject-cpus")
/// `transport-latency`: RATE/2 and a step past it added to the rates (RATE: the service's maximum
/// drain rate), the wait for answers after the last request is due, and librdkafka overrides
/// (`key=value`, repeatable) for the harness's consumer and producer and the subjects' consumer.
let halfOf = option("--half-of").flatMap { Double($0) }
let graceSeconds = Double(option("--grace") ?? "") ?? 20
@MainActor func repeated(_ name: String) -> [String] {
    var values: [String] = []
    while let value = option(name) { values.append(value) }
    return values
}
let harnessConsumer = repeated("--harness-consumer")
let harnessProducer = repeated("--harness-producer")
let subjectConsumer = repeated("--subject-consumer")
let useTansu = arguments.contains("--tansu")
let withSeed = arguments.contains("--seed")
arguments.removeAll { $0 == "--tansu" || $0 == "--seed" }
let modes = arguments.isEmpty ? ["drain", "python", "latency"] : arguments

var chart = Chart(
    title:
        "anomaly-service end to end, \(brokers.map { "cluster \($0)" } ?? "embedded broker"), \(ProcessInfo.processInfo.activeProcessorCount) CPUs"
)
var logger = Logger(label: "e2e-bench")
logger.logLevel = .error
var report: [String: Any] = [
    "date": ISO8601DateFormatter().string(from: Date()), "count": count, "partitions": partitions, "reps": reps,
    "workers": workers.map { String($0) } ?? "cpus", "max_batch": maxBatch, "model": model,
    "cpus": ProcessInfo.processInfo.activeProcessorCount, "brokers": brokers ?? "embedded",
    "machine": machineDescription(), "versions": versions(), "drain_input": drainInput.rawValue,
]

/// CPU model, memory and kernel, for the record.
func machineDescription() -> [String: Any] {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model =
        cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        ?? "unknown"
    return [
        "cpu_model": model, "cpus": ProcessInfo.processInfo.activeProcessorCount,
        "memory_gib": Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824,
        "os": ProcessInfo.processInfo.operatingSystemVersionString,
    ]
}

/// The code and the libraries measured.
func versions() -> [String: Any] {
    func firstLine(_ arguments: [String]) -> String {
        (try? PythonSeedRun.run(arguments, timeoutSeconds: 30))?.split(separator: "\n").first.map(String.init)
            ?? "unknown"
    }
    return [
        "git_commit": firstLine(["git", "rev-parse", "--short", "HEAD"]),
        "swift": firstLine(["swift", "--version"]),
        "librdkafka": firstLine(["pkg-config", "--modversion", "rdkafka"]),
        "openblas": firstLine(["pkg-config", "--modversion", "openblas"]),
    ]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// `--chart-from FILE --svg OUT`: draw the chart of an earlier run's JSON, measure nothing.
if let source = option("--chart-from") {
    let data = try Data(contentsOf: URL(fileURLWithPath: source))
    guard let earlier = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw BenchError("\(source): not a JSON object")
    }
    chart = Chart(document: earlier, title: chart.title)
    let out = svgPath ?? "e2e.svg"
    try chart.svg().write(toFile: out, atomically: true, encoding: .utf8)
    print("wrote \(out)")
    exit(0)
}

// `engine-cost [--seconds S]`: one thread, the drain's generated requests: the whole engine
// (InferenceProcessor.process on micro-batches of 64), parse + score alone, and parse alone, per
// request, to tell the model's own cost from the pipeline's in a drain.
if modes == ["engine-cost"] {
    try EngineCost(model: model, seconds: seconds).run()
    exit(0)
}

// `preload --brokers B [--count N]`: only produce the drain's requests into an existing cluster's
// `requests` topic and exit (to profile a `serve` process of its own on a known backlog).
if modes == ["preload"] {
    guard let brokers else { throw BenchError("preload needs --brokers") }
    let started = Clock.seconds()
    try DrainRun.preload(try BenchCluster(brokers: brokers, partitions: partitions), count: count)
    print(String(format: "preloaded %ld requests in %.1f s", count, Clock.seconds() - started))
    exit(0)
}

if modes.contains("drain") {
    var drain = DrainRun(
        count: count,
        partitions: partitions,
        workers: workers,
        maxBatch: maxBatch,
        model: model,
        ringCapacity: ringCapacity,
        brokers: brokers
    )
    // `--input-format avro`: the same requests also as Avro records (Confluent wire format, schema
    // in an in-process registry), drained by the echo pipeline and the service besides JSON.
    var runs: [(echo: Bool, input: DrainRun.Input)] = [(true, .json), (false, .json)]
    if drainInput == .avro {
        let started = Clock.seconds()
        let avro = try AvroDrainInput(count: count, subject: "\(BenchCluster.inputTopic)-value")
        drain.avro = avro
        runs += [(true, .avro), (false, .avro)]
        print(
            String(
                format: "drain avro input: schema id %u at %@, %ld records (%ld not Avro), %.0f bytes each, %.1f s",
                avro.schemaID,
                avro.url,
                count,
                avro.malformed,
                avro.meanBytes,
                Clock.seconds() - started
            )
        )
    }
    var results: [String: [DrainRun.Result]] = [:]
    for rep in 0..<reps {
        // Rotate the order so drift on a shared machine hits every pipeline alike.
        let shift = rep % runs.count
        for (echo, input) in runs[shift...] + runs[..<shift] {
            let result = try drain.run(echo: echo, input: input, logger: logger)
            results[result.pipeline, default: []].append(result)
            print(
                String(
                    format: "drain rep %ld %@ %8.0f req/s  %6.2f s  %6.1f µs CPU/req",
                    rep + 1,
                    result.pipeline.padding(toLength: 12, withPad: " ", startingAt: 0),
                    result.requestsPerSecond,
                    result.seconds,
                    result.cpuMicrosecondsPerRequest
                )
            )
            print(
                "  back-pressure pauses \(result.backPressurePauses), mean micro-batch ~\(Int(result.meanBatch)), "
                    + "dead letters \(result.deadLettered), anomalous \(result.anomalous)"
            )
        }
    }
    func rate(_ name: String) -> Double { median(results[name, default: []].map(\.requestsPerSecond)) }
    func cpu(_ name: String) -> Double { median(results[name, default: []].map(\.cpuMicrosecondsPerRequest)) }
    let echoRate = rate("echo")
    let serviceRate = rate("service")
    let echoCPU = cpu("echo")
    let serviceCPU = cpu("service")
    chart.throughput = [("service", serviceRate), ("echo", echoRate)]
    print(
        String(
            format: "drain median: service %.0f req/s (%.1f µs CPU/req), echo %.0f req/s (%.1f µs CPU/req), ratio %.2f",
            serviceRate,
            serviceCPU,
            echoRate,
            echoCPU,
            serviceRate / echoRate
        )
    )
    var section: [String: Any] = [
        "service_rps_median": serviceRate, "echo_rps_median": echoRate, "ratio": serviceRate / echoRate,
        "service_cpu_us_per_request": serviceCPU, "echo_cpu_us_per_request": echoCPU,
        "runs": results.mapValues {
            $0.map { ["rps": $0.requestsPerSecond, "seconds": $0.seconds, "cpu_us": $0.cpuMicrosecondsPerRequest] }
        },
    ]
    if let avro = drain.avro {
        let avroRate = rate("service-avro")
        let avroEchoRate = rate("echo-avro")
        let avroCPU = cpu("service-avro")
        let avroEchoCPU = cpu("echo-avro")
        chart.throughput.insert(("service-avro", avroRate), at: 1)
        print(
            String(
                format:
                    "drain median, avro input: service %.0f req/s (%.1f µs CPU/req), echo %.0f req/s (%.1f µs CPU/req)",
                avroRate,
                avroCPU,
                avroEchoRate,
                avroEchoCPU
            )
        )
        print(
            String(
                format: "drain ratios: avro/json %.2f, avro/echo %.2f (echo on JSON input), avro/echo-avro %.2f",
                avroRate / serviceRate,
                avroRate / echoRate,
                avroRate / avroEchoRate
            )
        )
        section["avro"] = [
            "service_rps_median": avroRate, "echo_rps_median": avroEchoRate,
            "service_cpu_us_per_request": avroCPU, "echo_cpu_us_per_request": avroEchoCPU,
            "avro_over_json": avroRate / serviceRate, "avro_over_echo": avroRate / echoRate,
            "avro_over_echo_avro": avroRate / avroEchoRate, "schema_id": Int(avro.schemaID),
            "mean_value_bytes": avro.meanBytes, "not_avro": avro.malformed,
        ]
    }
    report["drain"] = section
}

if modes.contains("eos") {
    let cost = ExactlyOnceCost(
        drain: DrainRun(
            count: count,
            partitions: partitions,
            workers: workers,
            maxBatch: maxBatch,
            model: model,
            ringCapacity: ringCapacity,
            brokers: brokers,
            transactionMaxRecords: transactionMaxRecords
        ),
        reps: reps,
        rates: eosRates,
        seconds: seconds,
        latencyPartitions: latencyPartitions
    )
    report["exactly_once"] = try cost.run(logger: logger)
}

if modes.contains("python") {
    // Baseline (b): the Python seed design on the same broker, fewer requests (it manages a few
    // hundred per second).
    let processes = ProcessInfo.processInfo.activeProcessorCount
    let seedModel = try PythonSeedRun.prepare()
    var runs: [[String: Any]] = []
    for rep in 0..<max(1, min(reps, 2)) {
        let result = try PythonSeedRun(count: seedCount, partitions: 8, processes: processes, brokers: brokers).run(
            model: seedModel
        )
        runs.append(result)
        print(
            String(
                format: "python seed rep %ld: %8.0f req/s  %8.1f µs CPU/req  (%@ of %ld, %ld processes)",
                rep + 1,
                result["throughput_per_s"] as? Double ?? 0,
                result["cpu_us_per_request"] as? Double ?? 0,
                String(describing: result["count"] ?? 0),
                seedCount,
                processes
            )
        )
    }
    let seedRate = median(runs.compactMap { $0["throughput_per_s"] as? Double })
    var section: [String: Any] = ["rps_median": seedRate, "count": seedCount, "processes": processes, "runs": runs]
    if let drain = report["drain"] as? [String: Any], let serviceRate = drain["service_rps_median"] as? Double,
        seedRate > 0
    {
        section["service_over_seed"] = serviceRate / seedRate
        print(String(format: "drain: service / python seed = %.0fx", serviceRate / seedRate))
    }
    chart.throughput.append(("python-seed", seedRate))
    report["python_seed"] = section
}

if modes.contains("latency") {
    var rows: [[String: Any]] = []
    var sweep = rates
    // "p99 at half the maximum rate": the drain's service rate, measured above, halved.
    if let drain = report["drain"] as? [String: Any], let maximum = drain["service_rps_median"] as? Double,
        !skipHalfRate
    {
        let half = (maximum / 2 / 1000).rounded() * 1000
        if !sweep.contains(half) { sweep.append(half) }
        report["half_max_rate"] = half
    }
    sweep.sort()
    for rate in sweep {
        var row: [String: Any] = ["rate": rate]
        for echo in [true, false] {
            var options = DemoRunner.Options()
            options.seconds = seconds
            options.rate = rate
            options.partitions = latencyPartitions
            options.workers = workers
            options.maxBatch = maxBatch
            options.model = model
            options.echo = echo
            options.brokers = brokers
            let recorder = HDRRecorder()
            options.latencySink = { nanoseconds in recorder.record(nanoseconds: nanoseconds) }
            let summary = try DemoRunner(options: options, logger: logger).run { _ in }
            let name = echo ? "echo" : "service"
            let percentiles = recorder.percentilesMilliseconds()
            var figures: [String: Any] = [
                "throughput_per_s": summary.throughputPerSecond, "lost": summary.lost, "sent": summary.sent,
                "duplicates": summary.duplicates, "recorded": recorder.count,
            ]
            for (key, value) in percentiles { figures[key] = value }
            row[name] = figures
            let p50 = percentiles["p50_ms"] ?? 0
            let p99 = percentiles["p99_ms"] ?? 0
            chart.latency[name, default: []].append(.init(rate: rate, p50: p50, p99: p99))
            print(
                String(
                    format:
                        "latency %7.0f/s %-7@ p50 %6.2f  p90 %6.2f  p99 %7.2f  p99.9 %7.2f  max %7.2f ms  answered %.0f/s  lost %d",
                    rate,
                    name,
                    p50,
                    percentiles["p90_ms"] ?? 0,
                    p99,
                    percentiles["p99.9_ms"] ?? 0,
                    percentiles["max_ms"] ?? 0,
                    summary.throughputPerSecond,
                    summary.lost
                )
            )
        }
        if let service = row["service"] as? [String: Any], let echo = row["echo"] as? [String: Any],
            let serviceP99 = service["p99_ms"] as? Double, let echoP99 = echo["p99_ms"] as? Double
        {
            row["service_added_p99_ms"] = max(0, serviceP99 - echoP99)
        }
        rows.append(row)
    }
    report["latency"] = rows
    // The highest offered rate the service answered in full (>= 99% of offered, nothing lost)
    // with p99 within the budget.
    let held = rows.filter { row in
        guard let service = row["service"] as? [String: Any], let rate = row["rate"] as? Double,
            let p99 = service["p99_ms"] as? Double, let answered = service["throughput_per_s"] as? Double,
            let lost = service["lost"] as? Int
        else { return false }
        return p99 <= budgetMilliseconds && answered >= 0.99 * rate && lost == 0
    }.compactMap { $0["rate"] as? Double }.max()
    report["latency_budget_ms"] = budgetMilliseconds
    report["highest_rate_within_budget"] = held ?? 0
    print(String(format: "highest offered rate with service p99 <= %.0f ms: %.0f/s", budgetMilliseconds, held ?? 0))
}

if modes.contains("transport") {
    var subjects: [TransportSubject] = []
    for name in transportSubjects + (withSeed ? ["seed"] : []) + (beforeBinary == nil ? [] : ["before"]) {
        guard let subject = TransportSubject(rawValue: name) else {
            throw BenchError("--subjects: '\(name)' is not one of bare, service, echo, seed, before")
        }
        if !subjects.contains(subject) { subjects.append(subject) }
    }
    let (benchBinary, bareLoop) = try transportPrograms(also: beforeBinary.map { [$0] } ?? [])
    let transport = TransportRun(
        count: countOption ?? 500_000,
        seedCount: seedCountOption ?? 20_000,
        partitions: partitions,
        reps: reps,
        subjects: subjects,
        tansu: useTansu,
        subjectCPUs: subjectCPUs,
        paths: TransportSubject.Paths(
            serviceBinary: serviceBinary,
            beforeBinary: beforeBinary,
            benchBinary: benchBinary,
            bareLoop: bareLoop,
            model: model,
            seedModel: subjects.contains(.seed) ? try PythonSeedRun.prepare() : nil
        ),
        logDirectory: NSTemporaryDirectory() + "e2e-transport-\(getpid())",
        harnessConsumer: harnessConsumer,
        subjectConsumer: subjectConsumer
    )
    var section = transport.report(try transport.runAll())
    section["librdkafka_runtime"] = librdkafkaVersion
    report["transport"] = section
}

if modes.contains("transport-latency") {
    try runTransportLatency()
}

if modes.contains("budget") {
    try runBudget()
}

// transport-latency draws a chart of its own.
if let svgPath, !modes.contains("transport-latency") {
    try chart.svg().write(toFile: svgPath, atomically: true, encoding: .utf8)
    print("wrote \(svgPath)")
}
let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
if let jsonPath {
    try data.write(to: URL(fileURLWithPath: jsonPath))
    print("wrote \(jsonPath)")
} else {
    print(String(decoding: data, as: UTF8.self))
}
