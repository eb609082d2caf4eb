import Foundation
import Logging
import Service

// e2e-bench: end-to-end figures over the embedded broker, the service measured against the echo
// pipeline (same transport, zero-cost processing) in the same invocation.
//
//   e2e-bench [drain] [latency] [--count N] [--partitions P] [--reps R] [--rates 1000,5000]
//             [--seconds S] [--workers W] [--max-batch B] [--model PATH] [--json FILE]

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
let count = Int(option("--count") ?? "") ?? 1_000_000
let partitions = Int32(option("--partitions") ?? "") ?? 64
let reps = Int(option("--reps") ?? "") ?? 3
let rates = (option("--rates") ?? "1000,5000,10000,20000").split(separator: ",").compactMap { Double($0) }
let seconds = Double(option("--seconds") ?? "") ?? 10
let workers = Int(option("--workers") ?? "")
let maxBatch = Int(option("--max-batch") ?? "") ?? 64
let ringCapacity = Int(option("--ring-capacity") ?? "") ?? 8_192
let model = option("--model") ?? "models/default.model"
let jsonPath = option("--json")
let modes = arguments.isEmpty ? ["drain", "latency"] : arguments

var logger = Logger(label: "e2e-bench")
logger.logLevel = .error
var report: [String: Any] = [
    "date": ISO8601DateFormatter().string(from: Date()), "count": count, "partitions": partitions, "reps": reps,
    "workers": workers.map { String($0) } ?? "cpus", "max_batch": maxBatch, "model": model,
    "cpus": ProcessInfo.processInfo.activeProcessorCount,
]

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

if modes.contains("drain") {
    let drain = DrainRun(count: count, partitions: partitions, workers: workers, maxBatch: maxBatch, model: model, ringCapacity: ringCapacity)
    var results: [String: [DrainRun.Result]] = ["echo": [], "service": []]
    for rep in 0..<reps {
        // Alternate the order so drift on a shared machine hits both alike.
        for echo in rep % 2 == 0 ? [true, false] : [false, true] {
            let result = try drain.run(echo: echo, logger: logger)
            results[result.pipeline, default: []].append(result)
            print(String(format: "drain rep %ld %-7@ %8.0f req/s  %6.2f s  %6.1f µs CPU/req", rep + 1, result.pipeline, result.requestsPerSecond, result.seconds, result.cpuMicrosecondsPerRequest))
            print("  back-pressure pauses \(result.backPressurePauses), mean micro-batch ~\(Int(result.meanBatch))")
        }
    }
    let echoRate = median(results["echo"]!.map(\.requestsPerSecond))
    let serviceRate = median(results["service"]!.map(\.requestsPerSecond))
    let echoCPU = median(results["echo"]!.map(\.cpuMicrosecondsPerRequest))
    let serviceCPU = median(results["service"]!.map(\.cpuMicrosecondsPerRequest))
    print(String(format: "drain median: service %.0f req/s (%.1f µs CPU/req), echo %.0f req/s (%.1f µs CPU/req), ratio %.2f", serviceRate, serviceCPU, echoRate, echoCPU, serviceRate / echoRate))
    report["drain"] = [
        "service_rps_median": serviceRate, "echo_rps_median": echoRate, "ratio": serviceRate / echoRate,
        "service_cpu_us_per_request": serviceCPU, "echo_cpu_us_per_request": echoCPU,
        "runs": results.mapValues { $0.map { ["rps": $0.requestsPerSecond, "seconds": $0.seconds, "cpu_us": $0.cpuMicrosecondsPerRequest] } },
    ]
}

if modes.contains("latency") {
    var rows: [[String: Any]] = []
    for rate in rates {
        var row: [String: Any] = ["rate": rate]
        for echo in [true, false] {
            var options = DemoRunner.Options()
            options.seconds = seconds
            options.rate = rate
            options.partitions = 8
            options.workers = workers
            options.maxBatch = maxBatch
            options.model = model
            options.echo = echo
            let summary = try DemoRunner(options: options, logger: logger).run { _ in }
            let name = echo ? "echo" : "service"
            row[name] = [
                "p50_ms": summary.p50Milliseconds, "p99_ms": summary.p99Milliseconds,
                "throughput_per_s": summary.throughputPerSecond, "lost": summary.lost, "sent": summary.sent,
            ]
            print(String(format: "latency %6.0f/s %-7@ p50 %6.2f ms  p99 %7.2f ms  answered %.0f/s  lost %d", rate, name, summary.p50Milliseconds, summary.p99Milliseconds, summary.throughputPerSecond, summary.lost))
        }
        rows.append(row)
    }
    report["latency"] = rows
}

let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
if let jsonPath {
    try data.write(to: URL(fileURLWithPath: jsonPath))
    print("wrote \(jsonPath)")
} else {
    print(String(decoding: data, as: UTF8.self))
}
