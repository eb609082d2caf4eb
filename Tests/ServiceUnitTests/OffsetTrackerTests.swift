import Foundation
import Kafka
import Platform
import Service
import Synchronization
import Testing

@Suite struct OffsetTrackerTests {
    let partition = TopicPartition(topic: "requests", partition: 3)

    @Test func outOfOrderCompletionsCommitOnlyTheContiguousDonePrefix() {
        let tracker = OffsetTracker()
        let tickets = (0..<5).map { tracker.begin(partition, offset: Int64(100 + $0), consumer: 0) }
        tracker.complete(tickets[1])
        tracker.complete(tickets[3])
        #expect(tracker.takeCommittable().isEmpty)
        tracker.complete(tickets[0])
        #expect(tracker.takeCommittable().map(\.position.offset) == [102])
        tracker.complete(tickets[2])
        #expect(tracker.takeCommittable().map(\.position.offset) == [104])
        #expect(tracker.inFlight(partition) == 1)
        tracker.complete(tickets[4])
        #expect(tracker.takeCommittable().map(\.position.offset) == [105])
        #expect(tracker.inFlight(partition) == 0)
    }

    @Test func gapsInOffsetsAreTrackedByOffsetNotPosition() {
        let tracker = OffsetTracker()
        let offsets: [Int64] = [10, 12, 15, 16, 40]
        let tickets = offsets.map { tracker.begin(partition, offset: $0, consumer: 1) }
        for ticket in tickets.reversed() { tracker.complete(ticket) }
        let committable = tracker.takeCommittable()
        #expect(committable == [.init(consumer: 1, position: .init(topic: "requests", partition: 3, offset: 41))])
    }

    @Test func aPolledBatchIsRegisteredPerPartitionRunWithNoTicketForARevokingPartition() {
        let tracker = OffsetTracker()
        let revoking = TopicPartition(topic: "requests", partition: 9)
        func message(_ partition: Int32, _ offset: Int64) -> KafkaMessage {
            KafkaMessage(topic: "requests", partition: partition, offset: offset, key: nil, value: [])
        }
        let batch = [message(3, 5), message(3, 6), message(9, 1), message(4, 0), message(3, 7)]
        var tickets: [OffsetTracker.Ticket?] = []
        tracker.begin(batch, consumer: 2, into: &tickets) { $0 == revoking }
        #expect(tickets.map { $0 == nil } == [false, false, true, false, false])
        #expect(tracker.inFlight(partition) == 3)
        #expect(tracker.inFlight(revoking) == 0)
        #expect(tracker.position(of: tickets[3]!) == .init(topic: "requests", partition: 4, offset: 0))
        for ticket in tickets.compactMap({ $0 }) { tracker.complete(ticket) }
        let committed = Set(tracker.takeCommittable())
        #expect(
            committed == [
                .init(consumer: 2, position: .init(topic: "requests", partition: 3, offset: 8)),
                .init(consumer: 2, position: .init(topic: "requests", partition: 4, offset: 1)),
            ]
        )
    }

    @Test func partitionsAreIndependent() {
        let tracker = OffsetTracker()
        let other = TopicPartition(topic: "requests", partition: 4)
        let a = tracker.begin(partition, offset: 0, consumer: 0)
        _ = tracker.begin(partition, offset: 1, consumer: 0)
        let b = tracker.begin(other, offset: 7, consumer: 1)
        tracker.complete(b)
        tracker.complete(a)
        let committed = Set(tracker.takeCommittable().map(\.position))
        #expect(
            committed == [
                .init(topic: "requests", partition: 3, offset: 1), .init(topic: "requests", partition: 4, offset: 8),
            ]
        )
    }

    @Test func acknowledgementsAfterRevocationAreLateAndCommitNothing() {
        let tracker = OffsetTracker()
        let ticket = tracker.begin(partition, offset: 5, consumer: 0)
        tracker.forget([partition])
        #expect(tracker.complete(ticket) == false)
        #expect(tracker.lateCompletions == 1)
        #expect(tracker.takeCommittable().isEmpty)
        #expect(tracker.inFlight(partition) == 0)
    }

    @Test func withdrawnRecordsNoLongerHoldTheWatermarkBack() {
        let tracker = OffsetTracker()
        let tickets = (0..<4).map { tracker.begin(partition, offset: Int64($0), consumer: 0) }
        tracker.complete(tickets[0])
        tracker.complete(tickets[1])
        tracker.withdraw(partition, from: 2)  // offsets 2 and 3 were never handed to a worker
        #expect(tracker.takeCommittable().map(\.position.offset) == [2])
        #expect(tracker.inFlight(partition) == 0)
    }

    @Test func reReadingFromAnEarlierOffsetSupersedesLaterRegistrations() {
        let tracker = OffsetTracker()
        _ = tracker.begin(partition, offset: 0, consumer: 0)
        _ = tracker.begin(partition, offset: 1, consumer: 0)
        _ = tracker.begin(partition, offset: 2, consumer: 0)
        let again = tracker.begin(partition, offset: 1, consumer: 0)
        #expect(tracker.inFlight(partition) == 2)
        tracker.complete(again)
        #expect(tracker.takeCommittable().isEmpty)  // offset 0 is still open
    }

    @Test func aCompletingThreadAndARegisteringThreadNeverLoseAWatermark() async throws {
        let tracker = OffsetTracker()
        let total = 200_000
        let queue = TicketQueue()
        let producer = try PinnedThread(name: "registering", cpu: nil) {
            for offset in 0..<total {
                queue.push(tracker.begin(partition, offset: Int64(offset), consumer: 0))
            }
            queue.finish()
        }
        let committed = Atomic<Int64>(-1)
        let completer = try PinnedThread(name: "completing", cpu: nil) {
            var rng = SystemRandomNumberGenerator()
            var held: [OffsetTracker.Ticket] = []
            while true {
                let batch = queue.popAll()
                if batch.isEmpty && queue.isFinished && held.isEmpty { break }
                held += batch
                held.shuffle(using: &rng)  // complete out of order
                let cut = held.count / 2
                for ticket in held[cut...] { tracker.complete(ticket) }
                held.removeSubrange(cut...)
                if queue.isFinished && batch.isEmpty {
                    for ticket in held { tracker.complete(ticket) }
                    held = []
                }
                for entry in tracker.takeCommittable() {
                    committed.store(entry.position.offset, ordering: .relaxed)
                }
            }
            for entry in tracker.takeCommittable() { committed.store(entry.position.offset, ordering: .relaxed) }
        }
        let deadline = MonotonicDeadline.after(.seconds(60))
        while committed.load(ordering: .relaxed) != Int64(total) && !deadline.hasPassed {
            sleepThread(for: .milliseconds(5))
        }
        producer.join()
        completer.join()
        #expect(committed.load(ordering: .relaxed) == Int64(total))
        #expect(tracker.totalInFlight == 0)
    }
}

/// A minimal mutex-protected hand-off for the tracker's two-thread test.
final class TicketQueue: Sendable {
    private let state = Mutex<(items: [OffsetTracker.Ticket], finished: Bool)>(([], false))
    func push(_ ticket: OffsetTracker.Ticket) { state.withLock { $0.items.append(ticket) } }
    func finish() { state.withLock { $0.finished = true } }
    func popAll() -> [OffsetTracker.Ticket] {
        state.withLock { state in
            defer { state.items.removeAll(keepingCapacity: true) }
            return state.items
        }
    }
    var isFinished: Bool { state.withLock { $0.finished && $0.items.isEmpty } }
}
