import Kafka
import Platform
import Service
import Synchronization
import Testing

/// The exactly-once hand-offs under contention: pollers registering, workers answering out of
/// order, the producer thread releasing; polling threads asking for commits while it serves them.
@Suite(.timeLimit(.minutes(1)))
struct TransactionConcurrencyStressTests {
    @Test func answersFromRacingWorkersAreReleasedOncePerOffsetAndInOrder() throws {
        let tracker = OffsetTracker()
        let partitions = (0..<4).map { TopicPartition(topic: "requests", partition: Int32($0)) }
        let perPartition = 20_000
        // Registered first (as the poller does before handing out), answered by four workers that
        // each take every fourth record of every partition, in reverse within their share.
        let tickets = partitions.map { partition in
            (0..<perPartition).map { tracker.begin(partition, offset: Int64($0), consumer: 0) }
        }
        let workers = try (0..<4).map { worker in
            try PinnedThread(name: "worker-\(worker)", cpu: nil) {
                for index in stride(from: perPartition - 1 - worker, through: 0, by: -4) {
                    for (slot, partitionTickets) in tickets.enumerated() {
                        let ticket = partitionTickets[index]
                        let answer = OutputRecord(
                            destination: .prediction,
                            ticket: ticket,
                            key: nil,
                            value: [UInt8(slot)],
                            receivedNanoseconds: Int64(index)
                        )
                        _ = tracker.complete(ticket, holding: answer)
                    }
                }
            }
        }
        var releasedOffsets: [Int32: [Int64]] = [:]
        var watermarks: [Int32: Int64] = [:]
        var answers: [OutputRecord] = []
        let deadline = MonotonicDeadline.after(.seconds(30))
        while releasedOffsets.values.reduce(0, { $0 + $1.count }) < partitions.count * perPartition
            && !deadline.hasPassed
        {
            answers.removeAll(keepingCapacity: true)
            for released in tracker.takeReleased(into: &answers) {
                let partition = released.watermark.position.topicPartition.partition
                let offsets = answers[released.answers].map(\.receivedNanoseconds)
                releasedOffsets[partition, default: []] += offsets
                // Every answer released is below the watermark committed with it.
                #expect(offsets.allSatisfy { $0 < released.watermark.position.offset })
                watermarks[partition] = released.watermark.position.offset
            }
        }
        for worker in workers { worker.join() }
        for partition in partitions.map(\.partition) {
            #expect(releasedOffsets[partition] == (0..<Int64(perPartition)).map { $0 }, "partition \(partition)")
            #expect(watermarks[partition] == Int64(perPartition))
        }
    }

    @Test func everyCommitRequestReturnsOnlyAfterACommitThatStartedLater() throws {
        let requests = TransactionCommitRequests()
        let commitsStarted = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let producer = try PinnedThread(name: "producer", cpu: nil) {
            var served = 0
            while !stop.load(ordering: .acquiring) {
                let asked = requests.requested
                if asked > served {
                    commitsStarted.add(1, ordering: .releasing)
                    sleepThread(for: .microseconds(200))  // the commit's round trips
                    requests.served(upTo: asked)
                    served = asked
                }
            }
            requests.close()
        }
        let failures = Atomic<Int>(0)
        let askers = try (0..<4).map { asker in
            try PinnedThread(name: "poller-\(asker)", cpu: nil) {
                for _ in 0..<200 {
                    let before = commitsStarted.load(ordering: .acquiring)
                    let committed = requests.commitAndWait(until: .after(.seconds(10)))
                    if !committed || commitsStarted.load(ordering: .acquiring) <= before {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        for asker in askers { asker.join() }
        stop.store(true, ordering: .releasing)
        producer.join()
        #expect(failures.load(ordering: .relaxed) == 0)
        // Once the producer thread has left, an ask returns at once instead of waiting.
        let started = MonotonicDeadline.now()
        #expect(requests.commitAndWait(until: .after(.seconds(30))))
        #expect(MonotonicDeadline.now().nanoseconds - started.nanoseconds < 5_000_000_000)
    }
}
