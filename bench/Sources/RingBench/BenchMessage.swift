/// The element the benchmark moves: a stand-in for a raw Kafka message header (32 bytes, no
/// references, so the numbers measure the hand-off, not reference counting).
struct BenchMessage: Sendable {
    var partition: Int32
    var offset: Int64
    var key: UInt64
    var value: UInt64
}
