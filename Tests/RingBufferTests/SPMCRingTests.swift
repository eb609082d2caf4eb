import RingBuffer
import Testing

@Suite struct SPMCRingTests {
    @Test func pushFailsWhenFullAndSucceedsAgainAfterATake() {
        let ring = SPMCRing<Int>(capacity: 2)
        #expect(ring.tryPush(1))
        #expect(ring.tryPush(2))
        #expect(!ring.tryPush(3))
        #expect(ring.count == 2)
        #expect(ring.tryTake() == 1)
        #expect(ring.tryPush(3))
        #expect(!ring.tryPush(4))
        #expect(ring.tryTake() == 2)
        #expect(ring.tryTake() == 3)
        #expect(ring.tryTake() == nil)
    }

    @Test func pushContentsOfFillsWhatFitsAndKeepsOrder() {
        let ring = SPMCRing<Int>(capacity: 8)
        #expect(ring.tryPush(contentsOf: 0..<5) == 5)
        #expect(ring.tryPush(contentsOf: 5..<20) == 3)
        #expect(ring.tryPush(contentsOf: [99]) == 0)
        var buffer: [Int] = []
        #expect(ring.tryTakeBatch(max: 3, into: &buffer) == 3)
        #expect(ring.tryPush(contentsOf: 8..<20) == 3)
        while ring.tryTakeBatch(max: 4, into: &buffer) > 0 {}
        #expect(buffer == Array(0..<11))
        ring.close()
        #expect(ring.tryPush(contentsOf: [1, 2]) == 0)
    }

    @Test func takeFromEmptyRingReturnsNothing() {
        let ring = SPMCRing<Int>(capacity: 8)
        #expect(ring.isEmpty)
        #expect(ring.count == 0)
        #expect(ring.tryTake() == nil)
        var buffer: [Int] = []
        #expect(ring.tryTakeBatch(max: 64, into: &buffer) == 0)
        #expect(buffer.isEmpty)
    }

    @Test func blockingTakeOnEmptyRingTimesOut() {
        let ring = SPMCRing<Int>(capacity: 8)
        let start = monotonicSeconds()
        #expect(ring.take(timeout: .milliseconds(30)) == nil)
        #expect(monotonicSeconds() - start >= 0.029)
        #expect(!ring.isClosed)
    }

    @Test func blockingPushOnFullRingTimesOut() {
        let ring = SPMCRing<Int>(capacity: 2)
        #expect(ring.push(1, timeout: .zero))
        #expect(ring.push(2, timeout: .zero))
        let start = monotonicSeconds()
        #expect(!ring.push(3, timeout: .milliseconds(30)))
        #expect(monotonicSeconds() - start >= 0.029)
    }

    @Test func batchTakeReturnsAContiguousFIFORunAcrossTheWrap() {
        let ring = SPMCRing<Int>(capacity: 16)
        var next = 0
        var expected = 0
        var buffer: [Int] = []
        buffer.reserveCapacity(16)
        for round in 0..<100 {
            while ring.tryPush(next) { next += 1 }
            #expect(ring.count == 16)
            let max = round % 7 + 1
            buffer.removeAll(keepingCapacity: true)
            let taken = ring.tryTakeBatch(max: max, into: &buffer)
            #expect(taken == max)
            #expect(buffer == Array(expected..<(expected + max)))
            expected += max
        }
        var rest: [Int] = []
        while ring.tryTakeBatch(max: 5, into: &rest) > 0 {}
        #expect(rest == Array(expected..<next))
    }

    @Test func closedRingDrainsThenReturnsNothing() {
        let ring = SPMCRing<Int>(capacity: 8)
        #expect(ring.tryPush(1))
        #expect(ring.tryPush(2))
        ring.close()
        #expect(ring.isClosed)
        #expect(!ring.tryPush(3))
        #expect(!ring.push(3, timeout: .seconds(5)))
        #expect(ring.take(timeout: .seconds(5)) == 1)
        var buffer: [Int] = []
        #expect(ring.takeBatch(max: 8, into: &buffer, timeout: .seconds(5)) == 1)
        #expect(buffer == [2])
        let start = monotonicSeconds()
        #expect(ring.take(timeout: .seconds(5)) == nil)
        #expect(monotonicSeconds() - start < 1)
    }

    @Test func remainingElementsAreDestroyedWithTheRing() {
        let tracker = LifetimeTracker()
        do {
            let ring = SPMCRing<Tracked>(capacity: 8)
            for _ in 0..<6 { #expect(ring.tryPush(Tracked(tracker))) }
            #expect(ring.tryTake() != nil)
            #expect(tracker.live == 5)
        }
        #expect(tracker.live == 0)
    }

    @Test func elementsAreMovedNotCopied() {
        let tracker = LifetimeTracker()
        let ring = SPMCRing<Tracked>(capacity: 4)
        #expect(ring.tryPush(Tracked(tracker)))
        #expect(tracker.live == 1)
        var taken = 0
        ring.tryTakeBatch(max: 4) { _ in taken += 1 }
        #expect(taken == 1)
        #expect(tracker.live == 0)
    }

    @Test func producerAndConsumerIndicesSitOnSeparateCacheLines() {
        let ring = SPMCRing<Int>(capacity: 8)
        let (tail, head, closed) = ring._indexAddresses
        #expect(tail % UInt(cacheLineSize) == 0)
        #expect(head % UInt(cacheLineSize) == 0)
        #expect(closed % UInt(cacheLineSize) == 0)
        #expect(Set([tail / 64, head / 64, closed / 64]).count == 3)
    }

    @Test func capacityMustBeAPowerOfTwo() async {
        await #expect(processExitsWith: .failure) {
            _ = SPMCRing<Int>(capacity: 12)
        }
    }

    @Test func countStaysWithinCapacity() {
        let ring = SPMCRing<Int>(capacity: 4)
        for value in 0..<10 {
            _ = ring.tryPush(value)
            #expect((0...4).contains(ring.count))
        }
        #expect(ring.count == 4)
    }
}
