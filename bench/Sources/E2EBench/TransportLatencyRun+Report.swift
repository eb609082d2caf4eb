import Foundation

extension TransportLatencyRun {
    /// The percentiles the service-added latency is given for.
    static let addedKeys = ["p50_ms", "p99_ms", "p99.9_ms"]

    /// Service minus bare loop at each rate both ran at, per percentile of ``addedKeys`` (ms).
    static func serviceAdded(_ results: [Result]) -> [(rate: Double, added: [String: Double])] {
        let rates = Set(results.map(\.rate)).sorted()
        return rates.compactMap { rate in
            guard let service = results.first(where: { $0.subject == .service && $0.rate == rate }),
                let bare = results.first(where: { $0.subject == .bare && $0.rate == rate })
            else { return nil }
            let added = Dictionary(
                uniqueKeysWithValues: addedKeys.map { ($0, service.milliseconds($0) - bare.milliseconds($0)) }
            )
            return (rate, added)
        }
    }

    /// Prints the table, the bare loop's floor and the service-added latency; returns the report's
    /// `transport_latency` section.
    func report(_ results: [Result]) -> [String: Any] {
        let broker = tansu ? "tansu" : "embedded broker"
        print(
            String(
                format:
                    "transport-latency, %@, %ld partitions, %.0f s per rate (first %.0f s left out), subject CPUs %@",
                broker,
                Int(partitions),
                seconds,
                warmupSeconds,
                subjectCPUs ?? "all"
            )
        )
        print("   rate/s  subject    p50 ms    p90 ms    p99 ms  p99.9 ms    max ms  answered/s   lost")
        for result in results {
            print(
                String(
                    format: "%9.0f  %@ %9.2f %9.2f %9.2f %9.2f %9.2f %11.0f %6ld",
                    result.rate,
                    result.subject.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                    result.milliseconds("p50_ms"),
                    result.milliseconds("p90_ms"),
                    result.milliseconds("p99_ms"),
                    result.milliseconds("p99.9_ms"),
                    result.milliseconds("max_ms"),
                    result.answeredPerSecond,
                    result.lost
                )
            )
        }
        var section: [String: Any] = [
            "broker": tansu ? "tansu" : "embedded", "seconds": seconds, "warmup_seconds": warmupSeconds,
            "grace_seconds": graceSeconds, "partitions": Int(partitions), "rates": rates,
            "subjects": subjects.map(\.rawValue), "subject_cpus": subjectCPUs ?? "all",
            "harness_consumer": harnessConsumer, "harness_producer": harnessProducer,
            "subject_consumer": subjectConsumer,
            "runs": results.map { result in
                var run: [String: Any] = [
                    "subject": result.subject.rawValue, "rate": result.rate, "sent": result.sent,
                    "answered": result.answered, "lost": result.lost, "answered_per_s": result.answeredPerSecond,
                    "duplicates": result.duplicates, "ready_s": result.readySeconds,
                    "sender_max_lag_ms": result.senderMaxLagMilliseconds, "sender_late": result.senderLate,
                    "delivery_failures": result.deliveryFailures,
                    "per_second_p50_ms": result.perSecond.map(\.p50),
                    "per_second_max_ms": result.perSecond.map(\.max),
                ]
                for (key, value) in result.percentiles { run[key] = value }
                return run
            },
        ]
        if let floor = results.filter({ $0.subject == .bare }).min(by: { $0.rate < $1.rate }) {
            print(
                String(
                    format: "bare-loop floor at %.0f/s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms",
                    floor.rate,
                    floor.milliseconds("p50_ms"),
                    floor.milliseconds("p99_ms"),
                    floor.milliseconds("p99.9_ms")
                )
            )
            section["bare_floor"] = [
                "rate": floor.rate, "p50_ms": Self.number(floor.milliseconds("p50_ms")),
                "p99_ms": Self.number(floor.milliseconds("p99_ms")),
                "p99.9_ms": Self.number(floor.milliseconds("p99.9_ms")),
            ]
        }
        let added = Self.serviceAdded(results)
        if !added.isEmpty {
            print("service-added latency (service - bare loop, ms):")
            print("   rate/s       p50       p99     p99.9")
            for row in added {
                print(
                    String(
                        format: "%9.0f %9.2f %9.2f %9.2f",
                        row.rate,
                        row.added["p50_ms"] ?? .nan,
                        row.added["p99_ms"] ?? .nan,
                        row.added["p99.9_ms"] ?? .nan
                    )
                )
            }
            section["service_added"] = added.map { row in
                row.added.reduce(into: ["rate": row.rate] as [String: Any]) { $0[$1.key] = Self.number($1.value) }
            }
        }
        return section
    }

    /// A figure for JSON: null when there is none (NaN: nothing was recorded).
    static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
}
