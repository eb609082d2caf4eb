import Foundation
import Kafka

/// Transport mode: the service against the transport's real limit, measured as an outside tester
/// would. Every subject is a separate process on a fresh broker process (embedded or tansu); the
/// harness preloads the requests, then times the subject by consuming its answers.
///
/// Per run: the answers per second from the first to the last answer at the harness's consumer;
/// the subject's CPU (whole process, read just before it is stopped, and between the first and
/// the last answer), the broker's and the harness's CPU over the same window.
struct TransportRun {
    struct Result {
        var subject: TransportSubject
        var rep: Int
        var count: Int
        /// Records consumed, duplicates included.
        var records: Int
        /// Requests answered after the first mark: the window's answers.
        var windowCount: Int
        var seconds: Double
        var subjectCPU: Double
        var subjectWindowCPU: Double
        var brokerWindowCPU: Double
        var harnessWindowCPU: Double
        var exitStatus: Int32

        var requestsPerSecond: Double { seconds > 0 ? Double(windowCount) / seconds : 0 }
        /// The whole process's CPU per request.
        func microseconds(_ seconds: Double) -> Double { seconds / Double(count) * 1e6 }
        /// CPU over the window per request answered in it.
        func windowMicroseconds(_ seconds: Double) -> Double { seconds / Double(max(windowCount, 1)) * 1e6 }
    }

    var count: Int
    var seedCount: Int
    var partitions: Int32
    var reps: Int
    var subjects: [TransportSubject]
    var tansu: Bool
    /// `taskset -c` list for the subject (nil: not pinned).
    var subjectCPUs: String?
    var paths: TransportSubject.Paths
    var logDirectory: String
    /// librdkafka consumer properties for the harness's timing consumer and for every subject
    /// but the seed (`--harness-consumer`, `--subject-consumer`): on tansu, `fetch.wait.max.ms=10`.
    var harnessConsumer: [String] = []
    var subjectConsumer: [String] = []

    /// Every repetition of every subject, the order rotated each repetition so drift on a shared
    /// machine hits every subject alike.
    func runAll() throws -> [Result] {
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        var results: [Result] = []
        for rep in 0..<reps {
            let shift = rep % subjects.count
            for subject in subjects[shift...] + subjects[..<shift] {
                let result = try measure(subject, rep: rep + 1)
                results.append(result)
                print(
                    String(
                        format: "transport rep %ld %@ %8.0f req/s  %6.2f s  subject %6.1f µs/req (window %6.1f)  "
                            + "broker %6.1f  harness %5.1f µs/req  records %ld (first poll %ld)  exit %d",
                        rep + 1,
                        subject.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                        result.requestsPerSecond,
                        result.seconds,
                        result.microseconds(result.subjectCPU),
                        result.windowMicroseconds(result.subjectWindowCPU),
                        result.windowMicroseconds(result.brokerWindowCPU),
                        result.windowMicroseconds(result.harnessWindowCPU),
                        result.records,
                        result.count - result.windowCount,
                        result.exitStatus
                    )
                )
                // Runs take a minute or more on tansu: show each as it ends, even into a pipe or file.
                fflush(nil)  // all streams: stdout is a C global, not concurrency-safe to name
            }
        }
        return results
    }

    /// One run: fresh broker, preload, timing consumer, subject; everything stopped on return.
    func measure(_ subject: TransportSubject, rep: Int) throws -> Result {
        let count = subject == .seed ? seedCount : self.count
        let broker = try TransportBroker(
            tansu: tansu,
            serviceBinary: paths.serviceBinary,
            partitions: partitions,
            logDirectory: logDirectory
        )
        defer { broker.stop() }
        let cluster = try BenchCluster(brokers: broker.bootstrapServers, partitions: partitions)
        try DrainRun.preload(cluster, count: count)
        let timer = try TimingConsumer(
            brokers: broker.bootstrapServers,
            group: "transport-timer",
            topics: [cluster.output, cluster.deadLetter],
            partitions: partitions,
            overrides: harnessConsumer
        )
        try timer.waitUntilAssigned()

        let processes = subjectCPUs.map { Self.cpuCount($0) } ?? ProcessInfo.processInfo.activeProcessorCount
        var arguments = subject.arguments(
            paths: paths,
            brokers: broker.bootstrapServers,
            group: "transport-\(subject.rawValue)",
            count: count,
            processes: processes
        )
        for property in subjectConsumer where subject != .seed {
            arguments += subject == .bare ? ["consumer:\(property)"] : ["--kafka-consumer", property]
        }
        if let subjectCPUs { arguments = ["taskset", "-c", subjectCPUs] + arguments }
        let process = try ChildProcess(arguments, log: "\(logDirectory)/\(subject.rawValue)-\(rep).log")
        defer { process.terminate(timeoutSeconds: 30) }
        let descendants = subject.includesChildren
        var exitedAt: Double?
        let outcome = try timer.run(
            count: count,
            deadlineSeconds: 120 + Double(count) / 1000,
            sample: {
                TimingConsumer.Mark(
                    seconds: Clock.seconds(),
                    subjectCPU: ProcessCPU.seconds(process.pid, descendants: descendants),
                    brokerCPU: ProcessCPU.seconds(broker.pid),
                    harnessCPU: Clock.processCPUSeconds()
                )
            },
            check: {
                // bare-loop ends by itself once its answers are flushed, a little before the last
                // one reaches the harness; a subject gone for 10 s without all answers has failed.
                guard ProcessCPU.hasExited(process.pid) else { return }
                let now = Clock.seconds()
                if exitedAt == nil { exitedAt = now }
                if let exitedAt, now - exitedAt > 10 {
                    throw BenchError("\(subject.rawValue) exited early; its log \(process.log):\n\(process.logTail())")
                }
            }
        )
        let wholeCPU = ProcessCPU.seconds(process.pid, descendants: descendants) ?? 0
        let status = process.terminate(timeoutSeconds: 30)
        func spent(_ key: KeyPath<TimingConsumer.Mark, Double?>) -> Double {
            (outcome.last[keyPath: key] ?? 0) - (outcome.first[keyPath: key] ?? 0)
        }
        return Result(
            subject: subject,
            rep: rep,
            count: count,
            records: outcome.records,
            windowCount: count - outcome.answeredAtFirst,
            seconds: outcome.last.seconds - outcome.first.seconds,
            subjectCPU: wholeCPU,
            subjectWindowCPU: spent(\.subjectCPU),
            brokerWindowCPU: spent(\.brokerCPU),
            harnessWindowCPU: outcome.last.harnessCPU - outcome.first.harnessCPU,
            exitStatus: status
        )
    }

    /// How many CPUs a `taskset -c` list names (`0`, `0,1`, `0-3`).
    static func cpuCount(_ list: String) -> Int {
        list.split(separator: ",").reduce(0) { total, part in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
        }
    }
}
