import Kafka
import Synchronization

/// Knows, per input partition, which consumed offsets have had their output acknowledged by the
/// broker, and yields the contiguous watermark that is safe to commit.
///
/// The polling thread registers each record with ``begin(_:offset:consumer:)`` before handing it
/// to the workers; the producer thread calls ``complete(_:)`` when the record's prediction or dead
/// letter is acknowledged. Workers finish out of order, so each partition keeps a window of
/// registered offsets with a done flag; the committable offset is one past the longest done prefix.
/// An offset is therefore stored for commit only when it and every lower registered offset of its
/// partition are done: the at-least-once rule.
///
/// Memory is bounded by the caller: ``inFlight(_:)`` tells the polling thread when a partition's
/// window is past its limit, and the poller pauses that partition until the window drains.
///
/// Thread safety: one `Mutex` guards all state; each call holds it for O(1) amortised work
/// (a binary search in the rare case of offset gaps), so contention stays low at 10^5 records/s.
public final class OffsetTracker: Sendable {
    /// Identifies one registered record: partition slot in bits 48-62, offset in the low 48. The
    /// top bit is free for the producer to mark a second attempt at an answer
    /// (``ResultProducer``'s fallback dead letters) in the token it gives librdkafka.
    public struct Ticket: Hashable, Sendable {
        public let rawValue: UInt

        public init(rawValue: UInt) { self.rawValue = rawValue }

        /// The largest number of partitions one tracker follows.
        static let maxSlots = 1 << 15

        init(slot: Int, offset: Int64) {
            precondition(offset >= 0 && offset < (1 << 48), "offset \(offset) out of the ticket's 48-bit range")
            rawValue = UInt(slot) << 48 | UInt(offset)
        }

        var slot: Int { Int(rawValue >> 48) }
        var offset: Int64 { Int64(rawValue & ((1 << 48) - 1)) }
    }

    /// A watermark ready to store: `offset` is the next offset to read in `topicPartition`.
    package struct Committable: Hashable, Sendable {
        package var consumer: Int
        package var position: TopicPartitionOffset
        /// The partition's slot and window generation when the watermark moved: see
        /// ``isCurrent(slot:generation:)``.
        package var slot = 0
        package var generation = 0

        package init(consumer: Int, position: TopicPartitionOffset) {
            self.consumer = consumer
            self.position = position
        }
    }

    /// Answers released in offset order, with the watermark they bring their partition to
    /// (exactly-once: ``complete(_:holding:)`` and ``takeReleased(into:)``).
    package struct Released {
        package var watermark: Committable
        /// Where this partition's answers start in the array passed to ``takeReleased(into:)``.
        package var answers: Range<Int>
    }

    private struct State: ~Copyable {
        var slots: [TopicPartition: Int] = [:]
        var windows: [CompletionWindow] = []
        var advanced = SlotSet()
        var lateCompletions = 0

        /// The slot of `topicPartition`, created on first sight.
        mutating func slot(_ topicPartition: TopicPartition) -> Int {
            if let existing = slots[topicPartition] { return existing }
            precondition(windows.count < Ticket.maxSlots, "more than 32,768 partitions tracked")
            let slot = windows.count
            slots[topicPartition] = slot
            windows.append(CompletionWindow(topicPartition: topicPartition))
            return slot
        }
    }

    private let state = Mutex(State())

    package init() {}

    /// Registers a consumed record; returns the ticket its output must carry.
    ///
    /// Offsets of one partition arrive in increasing order. A lower offset means the partition was
    /// re-read from an earlier position (a new assignment): registered entries at or above it are
    /// superseded, since their records will be processed again.
    package func begin(_ topicPartition: TopicPartition, offset: Int64, consumer: Int) -> Ticket {
        state.withLock { state in
            let slot = state.slot(topicPartition)
            state.windows[slot].consumer = consumer
            state.windows[slot].register(offset)
            return Ticket(slot: slot, offset: offset)
        }
    }

    /// ``begin(_:offset:consumer:)`` for a polled batch under one lock, looking each partition up
    /// once per run of its records (a fetch returns a partition's records together). `tickets`
    /// gets one entry per message: nil for a message of a partition `skipping` names (being
    /// revoked), which is not registered.
    package func begin(
        _ messages: [KafkaMessage],
        consumer: Int,
        into tickets: inout [Ticket?],
        skipping: (TopicPartition) -> Bool
    ) {
        state.withLock { state in
            var run: (topic: String, partition: Int32, slot: Int?)? = nil
            for message in messages {
                if run == nil || run!.partition != message.partition || run!.topic != message.topic {
                    let topicPartition = message.topicPartition
                    run = (
                        message.topic, message.partition, skipping(topicPartition) ? nil : state.slot(topicPartition)
                    )
                    if let slot = run!.slot { state.windows[slot].consumer = consumer }
                }
                guard let slot = run!.slot else {
                    tickets.append(nil)
                    continue
                }
                state.windows[slot].register(message.offset)
                tickets.append(Ticket(slot: slot, offset: message.offset))
            }
        }
    }

    /// Marks a ticket's output acknowledged. Returns false for a ticket whose partition was
    /// forgotten (revoked) or superseded: a late acknowledgement, counted in ``lateCompletions``.
    @discardableResult
    package func complete(_ ticket: Ticket) -> Bool {
        state.withLock { state in
            guard ticket.slot < state.windows.count, state.windows[ticket.slot].complete(ticket.offset) else {
                state.lateCompletions += 1
                return false
            }
            state.advanced.insert(ticket.slot)
            return true
        }
    }

    /// Exactly-once: marks a ticket's record answered when its answer reaches the producer thread,
    /// and holds the answer until every lower registered offset of its partition is answered too.
    /// Returns false, keeping nothing, for a forgotten or superseded ticket (counted in
    /// ``lateCompletions``): its record belongs to another owner now.
    package func complete(_ ticket: Ticket, holding answer: OutputRecord) -> Bool {
        state.withLock { state in
            guard ticket.slot < state.windows.count, state.windows[ticket.slot].hold(answer, at: ticket.offset) else {
                state.lateCompletions += 1
                return false
            }
            state.advanced.insert(ticket.slot)
            return true
        }
    }

    /// Exactly-once: pops each partition's answered prefix, appending its held answers to
    /// `answers` in offset order, and returns per partition the range it appended and the
    /// watermark those answers bring it to. Producing exactly these answers before committing
    /// these watermarks keeps every transaction's answers below the offsets it commits.
    package func takeReleased(into answers: inout [OutputRecord]) -> [Released] {
        state.withLock { state in
            var result: [Released] = []
            for slot in state.advanced {
                let start = answers.count
                guard let next = state.windows[slot].release(into: &answers) else { continue }
                let window = state.windows[slot]
                var watermark = Committable(
                    consumer: window.consumer,
                    position: TopicPartitionOffset(
                        topic: window.topicPartition.topic,
                        partition: window.topicPartition.partition,
                        offset: next
                    )
                )
                watermark.slot = slot
                watermark.generation = window.generation
                result.append(Released(watermark: watermark, answers: start..<answers.count))
            }
            state.advanced.removeAll()
            return result
        }
    }

    /// Whether the partition of `slot` is still the one a watermark of `generation` was taken
    /// from: false once it was revoked or lost since (its next owner reads those records again).
    package func isCurrent(slot: Int, generation: Int) -> Bool {
        state.withLock { state in slot < state.windows.count && state.windows[slot].generation == generation }
    }

    /// Watermarks that moved since the last call, to store with `KafkaConsumer.storeOffsets`.
    package func takeCommittable() -> [Committable] {
        state.withLock { state in
            var result: [Committable] = []
            for slot in state.advanced {
                if let next = state.windows[slot].advance() {
                    let window = state.windows[slot]
                    result.append(
                        Committable(
                            consumer: window.consumer,
                            position: TopicPartitionOffset(
                                topic: window.topicPartition.topic,
                                partition: window.topicPartition.partition,
                                offset: next
                            )
                        )
                    )
                }
            }
            state.advanced.removeAll()
            return result
        }
    }

    /// The current watermark of each of `partitions` that has one, advanced first: what a
    /// revocation or shutdown stores before its final commit.
    func committablePositions(for partitions: [TopicPartition]) -> [TopicPartitionOffset] {
        state.withLock { state in
            partitions.compactMap { partition in
                guard let slot = state.slots[partition] else { return nil }
                _ = state.windows[slot].advance()
                return state.windows[slot].nextToCommit.map {
                    TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: $0)
                }
            }
        }
    }

    /// The partition and offset a ticket stands for; nil for a slot this tracker never issued.
    package func position(of ticket: Ticket) -> TopicPartitionOffset? {
        state.withLock { state in
            guard ticket.slot < state.windows.count else { return nil }
            let partition = state.windows[ticket.slot].topicPartition
            return TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: ticket.offset)
        }
    }

    /// Registered records of `topicPartition` whose output is not yet acknowledged or whose lower
    /// neighbours are not (the window's length).
    package func inFlight(_ topicPartition: TopicPartition) -> Int {
        state.withLock { state in
            state.slots[topicPartition].map { state.windows[$0].count } ?? 0
        }
    }

    /// Registered, unacknowledged records over all partitions.
    package var totalInFlight: Int {
        state.withLock { state in state.windows.reduce(0) { $0 + $1.count } }
    }

    /// Drops registrations at or above `offset` in `topicPartition`: records that were registered
    /// but never handed to a worker (for example, when their partition is revoked), which the
    /// partition's next owner will read again.
    package func withdraw(_ topicPartition: TopicPartition, from offset: Int64) {
        state.withLock { state in
            guard let slot = state.slots[topicPartition] else { return }
            state.windows[slot].truncate(from: offset)
            state.advanced.insert(slot)
        }
    }

    /// Forgets `partitions` (after revocation): their windows are emptied, and acknowledgements
    /// still to come for them are counted as late.
    package func forget(_ partitions: [TopicPartition]) {
        state.withLock { state in
            for partition in partitions {
                guard let slot = state.slots[partition] else { continue }
                state.windows[slot].reset()
                state.advanced.remove(slot)
            }
        }
    }

    /// Acknowledgements that arrived for forgotten or superseded registrations.
    package var lateCompletions: Int { state.withLock { $0.lateCompletions } }
}
