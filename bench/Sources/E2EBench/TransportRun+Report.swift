import Foundation

extension TransportRun {
    /// One subject's medians over the repetitions.
    struct Summary {
        var subject: TransportSubject
        var count: Int
        var requestsPerSecond: Double
        /// CPU µs per request: the subject's whole process, its first-to-last-answer window, and the
        /// broker's and the harness's over that window.
        var subjectMicroseconds: Double
        var subjectWindowMicroseconds: Double
        var brokerWindowMicroseconds: Double
        var harnessWindowMicroseconds: Double

        init(subject: TransportSubject, results: [Result]) {
            func middle(_ value: (Result) -> Double) -> Double { median(results.map(value)) }
            self.subject = subject
            count = results.first?.count ?? 0
            requestsPerSecond = middle(\.requestsPerSecond)
            subjectMicroseconds = middle { $0.microseconds($0.subjectCPU) }
            subjectWindowMicroseconds = middle { $0.windowMicroseconds($0.subjectWindowCPU) }
            brokerWindowMicroseconds = middle { $0.windowMicroseconds($0.brokerWindowCPU) }
            harnessWindowMicroseconds = middle { $0.windowMicroseconds($0.harnessWindowCPU) }
        }

        var json: [String: Any] {
            [
                "count": count, "rps_median": requestsPerSecond,
                "subject_cpu_us_per_request": subjectMicroseconds,
                "subject_window_cpu_us_per_request": subjectWindowMicroseconds,
                "broker_window_cpu_us_per_request": brokerWindowMicroseconds,
                "harness_window_cpu_us_per_request": harnessWindowMicroseconds,
            ]
        }
    }

    /// Prints the medians, the ratios and the service's CPU over the bare loop; returns the report's
    /// `transport` section.
    func report(_ results: [Result]) -> [String: Any] {
        let summaries = subjects.map { subject in
            Summary(subject: subject, results: results.filter { $0.subject == subject })
        }
        let bySubject = Dictionary(uniqueKeysWithValues: summaries.map { ($0.subject, $0) })
        let broker = tansu ? "tansu" : "embedded broker"
        print(
            "transport medians, \(broker), \(reps) reps, \(partitions) partitions, subject CPUs \(subjectCPUs ?? "all")"
        )
        print("subject     requests     req/s   CPU µs/req: subject  (window)    broker (window)  harness (window)")
        for summary in summaries {
            print(
                String(
                    format: "%@ %11ld %9.0f  %19.1f  %8.1f  %16.1f  %16.1f",
                    summary.subject.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                    summary.count,
                    summary.requestsPerSecond,
                    summary.subjectMicroseconds,
                    summary.subjectWindowMicroseconds,
                    summary.brokerWindowMicroseconds,
                    summary.harnessWindowMicroseconds
                )
            )
        }
        var ratios: [String: Double] = [:]
        if let service = bySubject[.service] {
            for other in [TransportSubject.bare, .echo, .seed, .before] {
                guard let baseline = bySubject[other], baseline.requestsPerSecond > 0 else { continue }
                ratios["service_over_\(other.rawValue)"] = service.requestsPerSecond / baseline.requestsPerSecond
            }
        }
        if !ratios.isEmpty {
            print(
                "ratios: "
                    + ratios.sorted { $0.key < $1.key }.map {
                        String(format: "%@ %.2f", $0.key.replacingOccurrences(of: "_over_", with: "/"), $0.value)
                    }.joined(separator: ", ")
            )
        }
        var section: [String: Any] = [
            "broker": tansu ? "tansu" : "embedded", "count": count, "seed_count": seedCount,
            "partitions": Int(partitions), "reps": reps, "subjects": subjects.map(\.rawValue),
            "subject_cpus": subjectCPUs ?? "all", "ratios": ratios,
            "harness_consumer": harnessConsumer, "subject_consumer": subjectConsumer,
            "medians": Dictionary(uniqueKeysWithValues: summaries.map { ($0.subject.rawValue, $0.json) }),
            "runs": results.map { result in
                [
                    "subject": result.subject.rawValue, "rep": result.rep, "count": result.count,
                    "records": result.records, "window_count": result.windowCount, "seconds": result.seconds,
                    "rps": result.requestsPerSecond,
                    "subject_cpu_s": result.subjectCPU, "subject_window_cpu_s": result.subjectWindowCPU,
                    "broker_window_cpu_s": result.brokerWindowCPU, "harness_window_cpu_s": result.harnessWindowCPU,
                    "exit_status": Int(result.exitStatus),
                ] as [String: Any]
            },
        ]
        if let service = bySubject[.service], let bare = bySubject[.bare] {
            let overBare: [String: Double] = [
                "subject_cpu_us_per_request": service.subjectMicroseconds - bare.subjectMicroseconds,
                "subject_window_cpu_us_per_request": service.subjectWindowMicroseconds
                    - bare.subjectWindowMicroseconds,
                "broker_window_cpu_us_per_request": service.brokerWindowMicroseconds - bare.brokerWindowMicroseconds,
            ]
            print(
                String(
                    format:
                        "service CPU over the bare loop: %+.1f µs/req whole process, %+.1f in the window; broker %+.1f",
                    overBare["subject_cpu_us_per_request"] ?? 0,
                    overBare["subject_window_cpu_us_per_request"] ?? 0,
                    overBare["broker_window_cpu_us_per_request"] ?? 0
                )
            )
            section["service_over_bare_cpu"] = overBare
        }
        return section
    }
}
