import Foundation
import Kafka
import Platform

/// Transport-latency mode: open-loop latency of each subject as a separate process, swept over
/// offered rates, the service against the bare librdkafka loop on the same transport.
///
/// Per (rate, subject): a fresh broker process (embedded or tansu: tansu keeps everything in memory
/// and slows as data piles up, so nothing is reused), the harness's receiver assigned to every
/// output partition, the subject started and warmed up by probes until it answers, then `seconds`
/// of requests at `rate` from the sender thread. Latency is receipt at the harness minus the
/// request's intended send time; the first second is left out.
struct TransportLatencyRun {
    struct Result {
        var subject: TransportSubject
        var rate: Double
        var sent: Int
        var answered: Int
        var answeredPerSecond: Double
        var duplicates: Int
        /// p50_ms, p90_ms, p99_ms, p99.9_ms, max_ms, mean_ms.
        var percentiles: [String: Double]
        var perSecond: [(p50: Double, max: Double)]
        /// Seconds from the subject's start to its first answered probe.
        var readySeconds: Double
        var senderMaxLagMilliseconds: Double
        var senderLate: Int
        var deliveryFailures: Int

        var lost: Int { sent - answered }
        func milliseconds(_ key: String) -> Double { percentiles[key] ?? .nan }
    }

    var rates: [Double]
    var seconds: Double
    var warmupSeconds = 1.0
    var graceSeconds: Double
    var partitions: Int32
    var subjects: [TransportSubject]
    var tansu: Bool
    var subjectCPUs: String?
    var paths: TransportSubject.Paths
    /// `key=value` librdkafka properties: the harness's consumer and producer, and the subjects'
    /// consumer (`serve --kafka-consumer`, `bare-loop consumer:`).
    var harnessConsumer: [String]
    var harnessProducer: [String]
    var subjectConsumer: [String]
    var logDirectory: String

    /// Every rate, lowest first, each subject at it before the next rate, so drift on a shared
    /// machine hits the subjects alike.
    func runAll() throws -> [Result] {
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        var results: [Result] = []
        for rate in rates {
            for subject in subjects {
                let result = try measure(subject, rate: rate)
                results.append(result)
                print(
                    String(
                        format: "transport-latency %7.0f/s %@ p50 %7.2f  p90 %7.2f  p99 %8.2f  p99.9 %8.2f  "
                            + "max %8.2f ms  answered %7.0f/s  lost %ld  (ready %.1f s, sender lag max %.1f ms)",
                        rate,
                        subject.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                        result.milliseconds("p50_ms"),
                        result.milliseconds("p90_ms"),
                        result.milliseconds("p99_ms"),
                        result.milliseconds("p99.9_ms"),
                        result.milliseconds("max_ms"),
                        result.answeredPerSecond,
                        result.lost,
                        result.readySeconds,
                        result.senderMaxLagMilliseconds
                    )
                )
            }
        }
        return results
    }

    /// One run: fresh broker, receiver, subject, warm-up, open-loop traffic; all stopped on return.
    func measure(_ subject: TransportSubject, rate: Double) throws -> Result {
        let broker = try TransportBroker(
            tansu: tansu,
            serviceBinary: paths.serviceBinary,
            partitions: partitions,
            logDirectory: logDirectory
        )
        defer { broker.stop() }
        let cluster = (input: BenchCluster.inputTopic, output: "predictions", deadLetter: "requests.dlq")
        let receiver = try LatencyReceiver(
            brokers: broker.bootstrapServers,
            group: "latency-receiver",
            topics: [cluster.output, cluster.deadLetter],
            partitions: partitions,
            overrides: harnessConsumer
        )
        try receiver.waitUntilAssigned()

        var arguments = subject.arguments(
            paths: paths,
            brokers: broker.bootstrapServers,
            group: "latency-\(subject.rawValue)",
            count: Int.max / 2,  // bare-loop runs until SIGTERM
            processes: subjectCPUs.map { TransportRun.cpuCount($0) } ?? ProcessInfo.processInfo.activeProcessorCount
        )
        for property in subjectConsumer {
            arguments += subject == .bare ? ["consumer:\(property)"] : ["--kafka-consumer", property]
        }
        if let subjectCPUs { arguments = ["taskset", "-c", subjectCPUs] + arguments }
        let log = "\(logDirectory)/\(subject.rawValue)-\(Int(rate)).log"
        let process = try ChildProcess(arguments, log: log)
        defer { process.terminate(timeoutSeconds: 30) }
        let check = {
            guard !ProcessCPU.hasExited(process.pid) else {
                throw BenchError("\(subject.rawValue) exited early; its log \(log):\n\(process.logTail())")
            }
        }

        let count = Int(rate * seconds)
        // Probes from a producer of their own, gone before the timed traffic starts.
        let ready = try {
            let probes = try OpenLoopSender(
                brokers: broker.bootstrapServers,
                topic: cluster.input,
                rate: rate,
                count: 0,
                startNanoseconds: 0,
                overrides: harnessProducer
            )
            return try receiver.warmUp(probes, timeoutSeconds: 90, settleSeconds: 0.5, check: check)
        }()
        let timed = try OpenLoopSender(
            brokers: broker.bootstrapServers,
            topic: cluster.input,
            rate: rate,
            count: count,
            startNanoseconds: OpenLoopSender.now() + 50_000_000,
            overrides: harnessProducer
        )
        // The thread's start and join order its reads of `timed` and its writes of the lag figures.
        let thread = try PinnedThread(name: "latency-sender", cpu: nil) { timed.run() }
        let outcome = try receiver.run(timed, warmupSeconds: warmupSeconds, graceSeconds: graceSeconds, check: check)
        thread.join()
        return Result(
            subject: subject,
            rate: rate,
            sent: count,
            answered: outcome.answered,
            answeredPerSecond: outcome.answeredPerSecond,
            duplicates: outcome.duplicates,
            percentiles: outcome.recorder.percentilesMilliseconds(),
            perSecond: outcome.perSecond,
            readySeconds: ready,
            senderMaxLagMilliseconds: timed.maxLagMilliseconds,
            senderLate: timed.lateCount,
            deliveryFailures: timed.deliveryFailures
        )
    }

    /// `rates` with `half` (half the service's maximum drain rate, nil: none) and a step past it
    /// (three quarters of the maximum) added, rounded to the thousand, sorted.
    static func sweep(_ rates: [Double], halfOf maximum: Double?) -> [Double] {
        var sweep = rates
        if let maximum {
            for share in [0.5, 0.75] {
                let rate = (maximum * share / 1000).rounded() * 1000
                if !sweep.contains(rate) { sweep.append(rate) }
            }
        }
        return sweep.sorted()
    }
}
