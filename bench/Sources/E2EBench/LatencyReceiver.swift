import Foundation
import Kafka

/// The receiving side of `transport-latency`: a consumer of the subject's answers (`predictions`
/// and `requests.dlq`) in the harness, fully assigned before any request is sent, that matches each
/// answer to its request by key and records receipt minus the request's intended send time.
///
/// Requests due in the first `warmupSeconds` are answered and counted but not recorded. Besides the
/// whole run's histogram it keeps one per second of intended send time, to show a latency that
/// grows as data piles up on the broker.
final class LatencyReceiver {
    struct Outcome {
        var recorder: HDRRecorder
        /// Per second of intended send time: p50 and max in milliseconds.
        var perSecond: [(p50: Double, max: Double)]
        /// Distinct requests answered by the end of the grace period.
        var answered: Int
        /// Requests answered between the end of the warm-up and the last due time, per second.
        var answeredPerSecond: Double
        var duplicates: Int
    }

    private let subscription: AnswerSubscription
    private var consumer: KafkaConsumer { subscription.consumer }

    /// - Parameter overrides: `key=value` consumer properties over the harness's defaults.
    init(brokers: String, group: String, topics: [String], partitions: Int32, overrides: [String]) throws {
        subscription = try AnswerSubscription(
            role: "latency receiver",
            brokers: brokers,
            group: group,
            topics: topics,
            partitions: partitions,
            overrides: overrides
        )
    }

    /// Polls until every partition of the topics is assigned to this consumer.
    func waitUntilAssigned(timeoutSeconds: Double = 60) throws {
        try subscription.waitUntilAssigned(timeoutSeconds: timeoutSeconds)
    }

    /// Sends a probe every 200 ms until one is answered: the subject has joined its group and
    /// answers. Then drains for `settleSeconds` so no probe answer is left in flight.
    func warmUp(
        _ sender: OpenLoopSender,
        timeoutSeconds: Double,
        settleSeconds: Double,
        check: () throws -> Void
    )
        throws -> Double
    {
        let started = Clock.seconds()
        var messages: [KafkaMessage] = []
        var probes = 0
        var nextProbe = started
        var answered = false
        while !answered {
            let now = Clock.seconds()
            guard now - started < timeoutSeconds else {
                throw BenchError("the subject answered no probe in \(Int(timeoutSeconds)) s")
            }
            if now >= nextProbe {
                sender.probe(key: "w-\(probes)")
                probes += 1
                nextProbe = now + 0.2
                try check()
            }
            messages.removeAll(keepingCapacity: true)
            consumer.poll(into: &messages, maxMessages: 100, timeoutMilliseconds: 20)
            answered = messages.contains { $0.key?.first == UInt8(ascii: "w") }
        }
        let ready = Clock.seconds() - started
        sender.flushProbes()
        let settled = Clock.seconds() + settleSeconds
        while Clock.seconds() < settled {
            messages.removeAll(keepingCapacity: true)
            consumer.poll(into: &messages, maxMessages: 100, timeoutMilliseconds: 20)
        }
        return ready
    }

    /// Consumes answers until every request of `sender` is answered or `graceSeconds` have passed
    /// since the last one was due. `check` runs about every 100 ms: it throws to give up.
    func run(
        _ sender: OpenLoopSender,
        warmupSeconds: Double,
        graceSeconds: Double,
        check: () throws -> Void
    ) throws -> Outcome {
        let count = sender.count
        let warmup = Int(sender.rate * warmupSeconds)
        let recorder = HDRRecorder()
        let seconds = Int((Double(count) / sender.rate).rounded(.up))
        let perSecond = (0..<max(seconds, 1)).map { _ in HDRRecorder() }
        var seen = [Bool](repeating: false, count: count)
        var answered = 0
        var inWindow = 0
        var duplicates = 0
        let windowStart = sender.intendedNanoseconds(warmup)
        let windowEnd = sender.intendedNanoseconds(count)
        let deadline = windowEnd + Int64(graceSeconds * 1e9)
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(10_000)
        var nextCheck = Clock.seconds() + 0.1
        while answered < count {
            messages.removeAll(keepingCapacity: true)
            consumer.poll(into: &messages, maxMessages: 10_000, timeoutMilliseconds: 20)
            let now = OpenLoopSender.now()
            for message in messages {
                guard let index = TimingConsumer.requestIndex(message.key), index < count else { continue }
                guard !seen[index] else {
                    duplicates += 1
                    continue
                }
                seen[index] = true
                answered += 1
                if now >= windowStart, now <= windowEnd { inWindow += 1 }
                let latency = now - sender.intendedNanoseconds(index)
                perSecond[min(Int(Double(index) / sender.rate), perSecond.count - 1)].record(nanoseconds: latency)
                if index >= warmup { recorder.record(nanoseconds: latency) }
            }
            guard now < deadline else { break }
            if Clock.seconds() >= nextCheck {
                nextCheck = Clock.seconds() + 0.1
                try check()
            }
        }
        let window = Double(windowEnd - windowStart) / 1e9
        return Outcome(
            recorder: recorder,
            perSecond: perSecond.map { second in
                let figures = second.percentilesMilliseconds()
                return (figures["p50_ms"] ?? 0, figures["max_ms"] ?? 0)
            },
            answered: answered,
            answeredPerSecond: window > 0 ? Double(inWindow) / window : 0,
            duplicates: duplicates
        )
    }
}
