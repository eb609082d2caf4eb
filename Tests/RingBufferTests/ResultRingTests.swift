import Platform
import RingBuffer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The result-path ring: one MPSC ring that every worker pushes into and one thread drains.
@Suite(.serialized) struct ResultRingTests {
    static let itemsPerProducer = longTestsEnabled ? 5_000_000 : 50_000

    @Test func mpscRingFillsEmptiesAndDrainsAfterClose() {
        let ring = MPSCRing<Int>(capacity: 4)
        for value in 0..<4 { #expect(ring.tryPush(value)) }
        #expect(!ring.tryPush(4))
        #expect(ring.count == 4)
        var taken: [Int] = []
        #expect(ring.tryTakeBatch(max: 3) { taken.append($0) } == 3)
        #expect(ring.tryPush(4))
        ring.close()
        #expect(!ring.tryPush(5))
        #expect(ring.takeBatch(max: 8, timeout: .seconds(5)) { taken.append($0) } == 2)
        #expect(ring.takeBatch(max: 8, timeout: .seconds(5)) { taken.append($0) } == 0)
        #expect(taken == [0, 1, 2, 3, 4])
        #expect(ring.tryTake() == nil)
    }

    @Test(arguments: [1, 2, 4])
    func mpscRingKeepsPerProducerOrderAndTakesEveryItemOnce(producers: Int) throws {
        let perProducer = Self.itemsPerProducer
        let ring = MPSCRing<Int>(capacity: 256)
        let barrier = StartBarrier(parties: producers + 1)
        let finished = Atomic<Int>(0)
        let threads = try (0..<producers).map { producer in
            try spawn("mpsc-p\(producer)") {
                barrier.arriveAndWait()
                for sequence in 0..<perProducer {
                    // Producer id in the high bits, per-producer sequence in the low bits.
                    let value = producer << 40 | sequence
                    if !ring.tryPush(value) {
                        _ = ring.push(value, timeout: .seconds(10))
                    }
                }
                // Release pairs with the acquire load below: all pushes precede the close.
                if finished.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == producers {
                    ring.close()
                }
            }
        }
        barrier.arriveAndWait()
        Self.expectEveryItemOnceInProducerOrder(ring, producers: producers, perProducer: perProducer, takeMax: 64)
        for thread in threads { thread.join() }
    }

    @Test func aBatchPushTakesWhatFitsInOrderAndNothingOnceClosed() {
        let ring = MPSCRing<Int>(capacity: 8)
        #expect(ring.tryPush(contentsOf: [0, 1, 2], from: 0) == 3)
        // Five slots left: a batch of seven pushes the five that fit, oldest first.
        #expect(ring.tryPush(contentsOf: Array(3..<10), from: 0) == 5)
        #expect(ring.tryPush(contentsOf: [10], from: 0) == 0)
        var taken: [Int] = []
        #expect(ring.tryTakeBatch(max: 2) { taken.append($0) } == 2)
        #expect(ring.tryPush(contentsOf: Array(3..<10), from: 5) == 2)
        ring.close()
        #expect(ring.tryPush(contentsOf: [11], from: 0) == 0)
        while ring.tryTakeBatch(max: 8, { taken.append($0) }) > 0 {}
        #expect(taken == Array(0..<10))
    }

    /// Workers push whole micro-batches (``MPSCRing/push(contentsOf:timeout:)``): batches of
    /// varied sizes, some larger than the ring, from several producers at once.
    @Test(arguments: [1, 2, 4])
    func batchPushesKeepPerProducerOrderAndTakeEveryItemOnce(producers: Int) throws {
        let perProducer = Self.itemsPerProducer
        let ring = MPSCRing<Int>(capacity: 64)
        let barrier = StartBarrier(parties: producers + 1)
        let finished = Atomic<Int>(0)
        let threads = try (0..<producers).map { producer in
            try spawn("mpsc-batch-p\(producer)") {
                barrier.arriveAndWait()
                var sequence = 0
                var size = 1 + producer
                while sequence < perProducer {
                    let end = min(perProducer, sequence + size)
                    let batch = (sequence..<end).map { producer << 40 | $0 }
                    #expect(ring.push(contentsOf: batch, timeout: .seconds(10)))
                    sequence = end
                    size = size % 150 + 7  // 1 to ~150: below, at and above the capacity
                }
                // Release pairs with the acquire load below: all pushes precede the close.
                if finished.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == producers {
                    ring.close()
                }
            }
        }
        barrier.arriveAndWait()
        Self.expectEveryItemOnceInProducerOrder(ring, producers: producers, perProducer: perProducer, takeMax: 48)
        for thread in threads { thread.join() }
    }

    /// Drains `ring` until it is closed and empty, expecting each producer's items (producer id in
    /// the high bits, its sequence in the low bits) exactly once and in the order it pushed them.
    static func expectEveryItemOnceInProducerOrder(
        _ ring: MPSCRing<Int>,
        producers: Int,
        perProducer: Int,
        takeMax: Int
    ) {
        var next = [Int](repeating: 0, count: producers)
        var ordered = true
        var count = 0
        while ring.takeBatch(
            max: takeMax,
            timeout: .seconds(10),
            { value in
                let producer = value >> 40
                let sequence = value & ((1 << 40) - 1)
                if sequence != next[producer] { ordered = false }
                next[producer] = sequence + 1
                count += 1
            }
        ) > 0 {}
        #expect(ordered)
        #expect(count == producers * perProducer)
        #expect(next == [Int](repeating: perProducer, count: producers))
    }
}
