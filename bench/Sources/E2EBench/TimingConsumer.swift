import Foundation
import Kafka

/// The outside tester's clock: a consumer of the subject's answers (`predictions` and
/// `requests.dlq`) in the harness process, counting them by consuming, never by watermarks.
///
/// It joins its own group and is fully assigned (from offset 0 of the fresh topics) before the
/// subject starts. Each answer is matched to its request by key (`d-<index>`), so a duplicate
/// (at-least-once) does not end the run early.
final class TimingConsumer {
    /// One moment of the run: monotonic time and the CPU seconds of everyone involved.
    struct Mark {
        var seconds: Double
        var subjectCPU: Double?
        var brokerCPU: Double?
        var harnessCPU: Double
    }

    struct Outcome {
        var first: Mark
        var last: Mark
        /// Distinct requests answered (and answers without a request key).
        var answered: Int
        /// Records consumed in all, duplicates included.
        var records: Int
        /// Requests answered by the first poll that returned any: they arrived before the first
        /// mark, so the window's rate leaves them out.
        var answeredAtFirst: Int
    }

    private let subscription: AnswerSubscription
    private var consumer: KafkaConsumer { subscription.consumer }

    /// `overrides`: `KEY=VALUE` librdkafka properties applied last (`--harness-consumer`).
    init(brokers: String, group: String, topics: [String], partitions: Int32, overrides: [String] = []) throws {
        subscription = try AnswerSubscription(
            role: "timing consumer",
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

    /// Consumes until all `count` requests are answered; `sample` is taken at the first and the last
    /// answer. `check` runs about every 100 ms: it throws to give up (the subject died, say).
    func run(count: Int, deadlineSeconds: Double, sample: () -> Mark, check: () throws -> Void) throws -> Outcome {
        var seen = [Bool](repeating: false, count: count)
        var answered = 0
        var records = 0
        var first: Mark?
        var answeredAtFirst = 0
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(10_000)
        let deadline = Clock.seconds() + deadlineSeconds
        var nextCheck = Clock.seconds() + 0.1
        while answered < count {
            messages.removeAll(keepingCapacity: true)
            consumer.poll(into: &messages, maxMessages: 10_000, timeoutMilliseconds: 100)
            if first == nil, !messages.isEmpty { first = sample() }
            records += messages.count
            for message in messages {
                if let index = Self.requestIndex(message.key), index < count {
                    if !seen[index] {
                        seen[index] = true
                        answered += 1
                    }
                } else {
                    answered += 1
                }
            }
            if answeredAtFirst == 0 { answeredAtFirst = answered }
            let now = Clock.seconds()
            if now >= nextCheck {
                nextCheck = now + 0.1
                guard now < deadline else {
                    throw BenchError("timed out with \(answered) of \(count) answered (\(records) records)")
                }
                try check()
            }
        }
        let last = sample()
        return Outcome(
            first: first ?? last,
            last: last,
            answered: answered,
            records: records,
            answeredAtFirst: answeredAtFirst
        )
    }

    /// The index in a request key `d-<index>` (``DrainRun/key(_:)``).
    static func requestIndex(_ key: [UInt8]?) -> Int? {
        guard let key, key.count > 2, key[0] == UInt8(ascii: "d"), key[1] == UInt8(ascii: "-") else { return nil }
        var index = 0
        for byte in key[2...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            index = index * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return index
    }
}
