import RingBuffer

/// The SPMC ring under test.
final class RingQueue: HandOffQueue {
    let ring: SPMCRing<BenchMessage>

    init(capacity: Int, waitPolicy: WaitPolicy = .default) {
        ring = SPMCRing(capacity: capacity, waitPolicy: waitPolicy)
    }

    func push(_ message: BenchMessage) {
        if !ring.tryPush(message) {
            _ = ring.push(message, timeout: nil)
        }
    }

    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int {
        ring.takeBatch(max: max, timeout: nil) { body($0) }
    }

    func close() {
        ring.close()
    }
}
