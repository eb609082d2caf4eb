import Platform
import RingBuffer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One producer, 1/2/4/8 consumers behind a start barrier (after ATO's `LockFreeQueue` test and
/// rigtorp's `MPMCQueueTest`): every item taken exactly once, each consumer sees increasing push
/// order, and the sum matches.
@Suite(.serialized) struct SPMCRingStressTests {
    /// Items per configuration: 10^8 / 4 in long mode (10^8 over the four configurations).
    static let itemsPerRun = longTestsEnabled ? 25_000_000 : 100_000

    @Test(arguments: [1, 2, 4, 8])
    func everyItemIsTakenExactlyOnceInPushOrder(consumers: Int) throws {
        try runStress(items: Self.itemsPerRun, consumers: consumers, capacity: 1024, waitPolicy: .default)
    }

    /// The same with a tiny ring and no spinning: producer and consumers park and wake all the
    /// time, which exercises the `Parker` with several waiters and concurrent notifiers.
    @Test(arguments: [2, 4])
    func everyItemIsTakenExactlyOnceWhenEveryoneParks(consumers: Int) throws {
        try runStress(
            items: longTestsEnabled ? 2_000_000 : 20_000,
            consumers: consumers,
            capacity: 4,
            waitPolicy: .parkImmediately
        )
    }

    private func runStress(items: Int, consumers: Int, capacity: Int, waitPolicy: WaitPolicy) throws {
        let ring = SPMCRing<Int>(capacity: capacity, waitPolicy: waitPolicy)
        let barrier = StartBarrier(parties: consumers + 1)
        let results = (0..<consumers).map { _ in Collected<[Int]>([]) }
        let batchSizes = [1, 16, 64, 5]

        let consumerThreads = try (0..<consumers).map { index in
            try spawn("stress-c\(index)") {
                var taken: [Int] = []
                taken.reserveCapacity(longTestsEnabled ? 0 : items)
                var lastSeen = -1
                var ordered = true
                var count = 0
                var sum = 0
                let maxBatch = batchSizes[index % batchSizes.count]
                barrier.arriveAndWait()
                var round = 0
                while true {
                    round += 1
                    let body: (consuming Int) -> Void = { value in
                        if value <= lastSeen { ordered = false }
                        lastSeen = value
                        count += 1
                        sum &+= value
                        if !longTestsEnabled { taken.append(value) }
                    }
                    // Alternate between the blocking and the non-blocking take.
                    let got =
                        round % 2 == 0
                        ? ring.takeBatch(max: maxBatch, timeout: .seconds(10), body)
                        : ring.tryTakeBatch(max: maxBatch, body)
                    if got == 0 && ring.isClosed && ring.isEmpty {
                        break
                    }
                }
                // Long mode keeps only the summary: [ordered, count, sum].
                results[index].set(
                    longTestsEnabled ? [ordered ? 1 : 0, count, sum] : taken + [ordered ? 1 : 0, count, sum]
                )
            }
        }
        barrier.arriveAndWait()
        // Alternate single pushes and runs of up to 7 published at once.
        var next = 1
        while next <= items {
            if next % 2 == 0 {
                next += ring.tryPush(contentsOf: next...min(next + 6, items))
            } else if ring.tryPush(next) {
                next += 1
            }
            if next <= items && ring.count == ring.capacity {
                #expect(ring.push(next, timeout: .seconds(10)))
                next += 1
            }
        }
        ring.close()
        for thread in consumerThreads { thread.join() }

        var totalCount = 0
        var totalSum = 0
        var seen = [Bool](repeating: false, count: longTestsEnabled ? 0 : items + 1)
        var duplicates = 0
        for result in results {
            let values = result.value
            let summary = values.suffix(3)
            let (ordered, count, sum) = (
                summary[summary.startIndex], summary[summary.startIndex + 1], summary[summary.startIndex + 2]
            )
            #expect(ordered == 1, "a consumer saw items out of push order")
            totalCount += count
            totalSum &+= sum
            for value in values.dropLast(3) {
                if seen[value] { duplicates += 1 }
                seen[value] = true
            }
        }
        #expect(totalCount == items)
        #expect(totalSum == items * (items + 1) / 2)
        #expect(duplicates == 0)
        if !longTestsEnabled {
            #expect(seen.dropFirst().allSatisfy { $0 })
        }
        #expect(ring.isEmpty)
    }
}
