import Foundation
import Kafka
import Platform
import Synchronization
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct DeferredRevocationTests {
    /// The service's poller defers revocations so that it can wait for in-flight records outside
    /// librdkafka's callback: the partitions must stay with this member until it releases them,
    /// and move to the other member right after.
    @Test func deferredRevocationKeepsThePartitionsUntilTheyAreReleased() throws {
        let topic = Unique.name("defer")
        let group = Unique.name("g")
        let broker = try EmbeddedBroker(topics: [topic: 4])
        let revoked = Mutex<[TopicPartition]>([])
        let handlers = RebalanceHandlers(
            revoked: { _, partitions, lost in
                if !lost { revoked.withLock { $0 += partitions } }
            },
            deferRevocation: true
        )
        let first = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: group),
            topics: [topic],
            rebalance: handlers
        )
        let mayRelease = Atomic<Bool>(false)
        let released = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        let loop = try PinnedThread(name: "deferring", cpu: nil) {
            var batch: [KafkaMessage] = []
            while !stopped.load(ordering: .acquiring) {
                batch.removeAll(keepingCapacity: true)
                first.poll(into: &batch, maxMessages: 100, timeoutMilliseconds: 20)
                if first.isRevocationPending && mayRelease.load(ordering: .acquiring) {
                    let partitions = revoked.withLock { $0 }
                    try? first.releaseRevoked(partitions)
                    released.store(true, ordering: .releasing)
                }
            }
            try? first.close()
        }
        defer {
            stopped.store(true, ordering: .releasing)
            loop.join()
        }
        #expect(try eventually(seconds: 30) { try first.assignment().count == 4 })

        let second = PollingLoop(
            try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        )
        defer { second.stop() }
        #expect(eventually(seconds: 30) { first.isRevocationPending }, "no revocation reached the first member")
        // Held: the revoked partitions are still this member's, and nobody else has them.
        sleepThread(for: .milliseconds(1500))
        #expect(first.isRevocationPending)
        #expect(try first.assignment().count == 4)
        #expect(try second.consumer.assignment().isEmpty)

        mayRelease.store(true, ordering: .releasing)
        #expect(eventually(seconds: 5) { released.load(ordering: .acquiring) })
        let all = Set((0..<4).map { TopicPartition(topic: topic, partition: Int32($0)) })
        let moved = try eventually(seconds: 40) {
            let a = Set(try first.assignment())
            let b = Set(try second.consumer.assignment())
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
        }
        #expect(moved, "the released partitions did not move to the second member")
        #expect(Set(revoked.withLock { $0 }).isSubset(of: all))
        #expect(!first.isRevocationPending)
    }
}
