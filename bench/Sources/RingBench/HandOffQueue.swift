import RingBuffer

/// The element the benchmark moves: a stand-in for a raw Kafka message header (32 bytes, no
/// references, so the numbers measure the hand-off, not reference counting).
struct BenchMessage: Sendable {
    var partition: Int32
    var offset: Int64
    var key: UInt64
    var value: UInt64
}

/// What the harness needs from each queue under test: one producer, several consumers.
protocol HandOffQueue: AnyObject, Sendable {
    /// Pushes, waiting (however the queue waits) while full.
    func push(_ message: BenchMessage)
    /// Takes up to `max` messages, waiting for the first; 0 once closed and drained.
    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int
    /// No more pushes; wake and drain the consumers.
    func close()
}

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
