import Foundation
import Kafka
import Platform
import Synchronization
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct ConsumerGroupTests {
    @Test func twoConsumersSplitThePartitionsAndAThirdTriggersARebalance() throws {
        let topic = Unique.name("split")
        let group = Unique.name("g")
        let broker = try EmbeddedBroker(topics: [topic: 6])
        let first = PollingLoop(
            try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        )
        let second = PollingLoop(
            try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        )
        defer {
            first.stop()
            second.stop()
        }
        let all = Set((0..<6).map { TopicPartition(topic: topic, partition: Int32($0)) })

        let splitInTwo = try eventually(seconds: 40) {
            let a = Set(try first.consumer.assignment())
            let b = Set(try second.consumer.assignment())
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
        }
        #expect(splitInTwo, "two members did not split the six partitions")
        let rebalancesBefore = first.consumer.rebalanceCount + second.consumer.rebalanceCount

        let third = PollingLoop(
            try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        )
        defer { third.stop() }
        let splitInThree = try eventually(seconds: 40) {
            let sets = try [first, second, third].map { Set(try $0.consumer.assignment()) }
            return sets.allSatisfy { !$0.isEmpty } && sets.reduce(0) { $0 + $1.count } == 6
                && sets.reduce(Set()) { $0.union($1) } == all
        }
        #expect(splitInThree, "a third member joining did not rebalance the group")
        #expect(first.consumer.rebalanceCount + second.consumer.rebalanceCount > rebalancesBefore)
    }

    @Test func revokeHandlerRunsBeforePartitionsMoveAndCanCommit() throws {
        let topic = Unique.name("revoke")
        let group = Unique.name("g")
        let broker = try EmbeddedBroker(topics: [topic: 4])
        let revoked = RevocationLog()
        let handlers = RebalanceHandlers(revoked: { consumer, partitions, lost in
            revoked.record(partitions, lost: lost)
            // Committing from inside the callback is the service's revoke path; it must not fail.
            do { try consumer.commit() } catch { revoked.recordError(error) }
        })
        let first = PollingLoop(
            try KafkaConsumer(
                configuration: TestConfig.consumer(broker, group: group),
                topics: [topic],
                rebalance: handlers
            )
        )
        defer { first.stop() }
        #expect(try eventually(seconds: 30) { try first.consumer.assignment().count == 4 })
        let second = PollingLoop(
            try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        )
        defer { second.stop() }
        #expect(try eventually(seconds: 40) { try !second.consumer.assignment().isEmpty })
        #expect(!revoked.partitions.isEmpty)
        #expect(revoked.lost == false)
        #expect(revoked.errors.isEmpty)
    }

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

final class RevocationLog: Sendable {
    private let state = Mutex<(partitions: [TopicPartition], lost: Bool, errors: [String])>(([], false, []))
    func record(_ partitions: [TopicPartition], lost: Bool) {
        state.withLock {
            $0.partitions += partitions
            $0.lost = $0.lost || lost
        }
    }
    func recordError(_ error: any Error) { state.withLock { $0.errors.append("\(error)") } }
    var partitions: [TopicPartition] { state.withLock { $0.partitions } }
    var lost: Bool { state.withLock { $0.lost } }
    var errors: [String] { state.withLock { $0.errors } }
}
