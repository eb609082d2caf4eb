import Kafka
import Synchronization

/// The harness's consumer of a subject's answers (`predictions` and `requests.dlq`), in its own
/// group, joined and fully assigned (from offset 0 of the fresh topics) before the subject starts:
/// shared by the drain's ``TimingConsumer`` and the latency sweep's ``LatencyReceiver``.
final class AnswerSubscription {
    let consumer: KafkaConsumer
    /// Partitions over all the topics.
    private let partitions: Int
    private let assigned = Assigned()
    /// Names it in errors.
    private let role: String

    /// Counted by the rebalance callback, which runs on the polling thread; atomic for `Sendable`.
    private final class Assigned: Sendable {
        let count = Atomic<Int>(0)
    }

    /// - Parameter overrides: `KEY=VALUE` consumer properties over the harness's defaults
    ///   (`--harness-consumer`).
    init(
        role: String,
        brokers: String,
        group: String,
        topics: [String],
        partitions: Int32,
        overrides: [String]
    )
        throws
    {
        var configuration = KafkaConfiguration.consumer(bootstrapServers: brokers, groupID: group)
        configuration["enable.auto.commit"] = "false"
        configuration["session.timeout.ms"] = "6000"
        configuration["heartbeat.interval.ms"] = "500"
        try configuration.apply(overrides: overrides)
        let assigned = assigned
        consumer = try KafkaConsumer(
            configuration: configuration,
            topics: topics,
            rebalance: RebalanceHandlers(assigned: { _, partitions in
                assigned.count.add(partitions.count, ordering: .relaxed)
            })
        )
        self.partitions = Int(partitions) * topics.count
        self.role = role
    }

    deinit { try? consumer.close() }

    /// Polls until every partition of the topics is assigned to this consumer.
    func waitUntilAssigned(timeoutSeconds: Double = 60) throws {
        var messages: [KafkaMessage] = []
        let deadline = Clock.seconds() + timeoutSeconds
        while assigned.count.load(ordering: .relaxed) < partitions {
            consumer.poll(into: &messages, maxMessages: 1, timeoutMilliseconds: 50)
            guard messages.isEmpty else { throw BenchError("answers before the subject started: stale topics?") }
            guard Clock.seconds() < deadline else {
                throw BenchError(
                    "\(role): \(assigned.count.load(ordering: .relaxed)) of \(partitions) partitions assigned"
                )
            }
        }
    }
}
