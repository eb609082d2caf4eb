import Kafka
import Synchronization

/// Bytes of record data the pipeline holds between a consumer's poll and librdkafka's producer
/// queue: pending in a poller, in an input ring, in a worker's batch, in the result ring.
///
/// Record counts alone do not bound memory: 8,192 ring slots hold 8 MB of 1 KB requests but 7 GB
/// of 900 KB ones. Pollers add what they consume and pause their partitions at ``limit``; workers
/// exchange a batch's input bytes for its outputs' (a dead letter keeps its input's value); the
/// producer thread subtracts what it hands to librdkafka, whose own queues are bounded in bytes
/// by the same setting (``ServiceConfiguration/inFlightByteShares``).
///
/// Memory ordering: relaxed. The count is a flow-control estimate; no other memory is published
/// through it, and a poller that reads a slightly stale value pauses or resumes one poll later.
final class ByteBudget: Sendable {
    /// Pollers pause their partitions at this many held bytes and resume at half of it.
    let limit: Int
    private let held = Atomic<Int>(0)

    init(limit: Int) {
        precondition(limit > 0, "a byte budget needs a positive limit")
        self.limit = limit
    }

    /// Bytes held now.
    var current: Int { held.load(ordering: .relaxed) }

    var isExhausted: Bool { current >= limit }

    /// Whether a paused poller may resume.
    var hasRoomToResume: Bool { current <= limit / 2 }

    func add(_ bytes: Int) {
        held.wrappingAdd(bytes, ordering: .relaxed)
    }

    func release(_ bytes: Int) {
        held.wrappingSubtract(bytes, ordering: .relaxed)
    }
}

extension KafkaMessage {
    /// The bytes this record occupies in the pipeline: key, value and headers.
    var heldBytes: Int { (key?.count ?? 0) + value.count + headers.heldBytes }
}

extension OutputRecord {
    /// The bytes this answer occupies until librdkafka copies it: key, value, headers and its
    /// shadow record's value.
    var heldBytes: Int {
        (key?.count ?? 0) + (value?.count ?? 0) + headers.heldBytes + (shadow?.value?.count ?? 0)
    }
}

extension [KafkaHeader] {
    /// The headers' names and values, in bytes.
    var heldBytes: Int { reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) } }
}
