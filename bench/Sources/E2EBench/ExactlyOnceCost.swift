import Demo
import Foundation
import Logging
import Service

/// `e2e-bench eos`: what exactly-once costs against at-least-once, in one invocation on the same
/// broker: the drain of both (rotating their order each repetition, medians of `reps`) and the
/// open-loop latency of both at each rate (receipt to a consumer reading the answer: under
/// exactly-once that includes the wait for the transaction's commit).
struct ExactlyOnceCost {
    var drain: DrainRun
    var reps: Int
    var rates: [Double]
    var seconds: Double
    var latencyPartitions: Int32

    func run(logger: Logger) throws -> [String: Any] {
        var results: [DeliveryGuarantee: [DrainRun.Result]] = [:]
        let order: [DeliveryGuarantee] = [.atLeastOnce, .exactlyOnce]
        for rep in 0..<reps {
            for guarantee in rep % 2 == 0 ? order : order.reversed() {
                var run = drain
                run.guarantee = guarantee
                let result = try run.run(echo: false, logger: logger)
                results[guarantee, default: []].append(result)
                print(
                    String(
                        format: "eos drain rep %ld %-12@ %8.0f req/s  %6.2f s  %6.1f µs CPU/req",
                        rep + 1,
                        result.pipeline,
                        result.requestsPerSecond,
                        result.seconds,
                        result.cpuMicrosecondsPerRequest
                    )
                )
            }
        }
        func rate(_ guarantee: DeliveryGuarantee) -> Double {
            median(results[guarantee, default: []].map(\.requestsPerSecond))
        }
        func cpu(_ guarantee: DeliveryGuarantee) -> Double {
            median(results[guarantee, default: []].map(\.cpuMicrosecondsPerRequest))
        }
        let ratio = rate(.exactlyOnce) / rate(.atLeastOnce)
        print(
            String(
                format:
                    "eos drain median: exactly-once %.0f req/s (%.1f µs CPU/req), at-least-once %.0f req/s (%.1f µs CPU/req), ratio %.2f",
                rate(.exactlyOnce),
                cpu(.exactlyOnce),
                rate(.atLeastOnce),
                cpu(.atLeastOnce),
                ratio
            )
        )
        var section: [String: Any] = [
            "exactly_once_rps_median": rate(.exactlyOnce), "at_least_once_rps_median": rate(.atLeastOnce),
            "ratio": ratio, "exactly_once_cpu_us_per_request": cpu(.exactlyOnce),
            "at_least_once_cpu_us_per_request": cpu(.atLeastOnce),
        ]
        var rows: [[String: Any]] = []
        for rate in rates {
            var row: [String: Any] = ["rate": rate]
            for guarantee in order {
                var options = DemoRunner.Options()
                options.seconds = seconds
                options.rate = rate
                options.partitions = latencyPartitions
                options.workers = drain.workers
                options.maxBatch = drain.maxBatch
                options.model = drain.model
                options.brokers = drain.brokers
                options.guarantee = guarantee
                let recorder = HDRRecorder()
                options.latencySink = { nanoseconds in recorder.record(nanoseconds: nanoseconds) }
                let summary = try DemoRunner(options: options, logger: logger).run { _ in }
                let percentiles = recorder.percentilesMilliseconds()
                var figures: [String: Any] = [
                    "throughput_per_s": summary.throughputPerSecond, "lost": summary.lost,
                    "duplicates": summary.duplicates,
                ]
                for (key, value) in percentiles { figures[key] = value }
                row[guarantee.rawValue] = figures
                print(
                    String(
                        format:
                            "eos latency %7.0f/s %-13@ p50 %6.2f  p99 %7.2f ms  answered %.0f/s  lost %d  duplicates %d",
                        rate,
                        guarantee.rawValue,
                        percentiles["p50_ms"] ?? 0,
                        percentiles["p99_ms"] ?? 0,
                        summary.throughputPerSecond,
                        summary.lost,
                        summary.duplicates
                    )
                )
            }
            rows.append(row)
        }
        section["latency"] = rows
        return section
    }
}
