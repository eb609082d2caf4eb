import Kafka

/// One partition's registered offsets, in increasing order, each with a done flag.
///
/// Entries live in `offsets[head...]`; the consumed prefix is compacted away once it is both long
/// and more than half the storage, so memory follows the live window, amortised O(1) per entry.
///
/// Under exactly-once a done entry also holds its answer (``hold(_:at:)``) until the prefix it
/// belongs to is released in offset order (``release(into:)``): a transaction then carries only
/// answers below the offsets it commits. Entries dropped by ``truncate(from:)`` or ``reset()`` drop
/// their answers with them; ``reset()`` (the partition revoked or lost) also bumps ``generation``,
/// so an answer released before cannot be sent again once its partition's next owner may read
/// its record again. (A truncation never reaches below the released prefix.)
struct CompletionWindow {
    let topicPartition: TopicPartition
    var consumer = 0
    /// Raised when the window is reset (its partition revoked or lost): answers released under an
    /// older generation no longer stand for this partition.
    private(set) var generation = 0
    private var held: [Int64: OutputRecord] = [:]
    private var offsets: [Int64] = []
    private var done: [Bool] = []
    private var head = 0
    /// The watermark after the last ``advance()`` that moved it: the next offset to commit.
    private(set) var nextToCommit: Int64?

    init(topicPartition: TopicPartition) {
        self.topicPartition = topicPartition
    }

    var count: Int { offsets.count - head }

    mutating func register(_ offset: Int64) {
        if let last = offsets.last, head < offsets.count, offset <= last {
            truncate(from: offset)
        }
        offsets.append(offset)
        done.append(false)
    }

    /// Marks `offset` done; false when it is not registered.
    mutating func complete(_ offset: Int64) -> Bool {
        guard let index = index(of: offset) else { return false }
        done[index] = true
        return true
    }

    /// Marks `offset` done and keeps `answer` until its prefix is released; false when the offset
    /// is not registered.
    mutating func hold(_ answer: OutputRecord, at offset: Int64) -> Bool {
        guard let index = index(of: offset) else { return false }
        done[index] = true
        held[offset] = answer
        return true
    }

    /// Pops the done prefix, appending the answers it holds in offset order; returns the next
    /// offset to commit when the prefix was not empty.
    mutating func release(into answers: inout [OutputRecord]) -> Int64? {
        var next: Int64? = nil
        while head < offsets.count && done[head] {
            let offset = offsets[head]
            if let answer = held.removeValue(forKey: offset) { answers.append(answer) }
            next = offset + 1
            head += 1
        }
        popped(upTo: next)
        return next
    }

    /// Pops the done prefix; returns the next offset to commit when the prefix was not empty.
    mutating func advance() -> Int64? {
        var next: Int64? = nil
        while head < offsets.count && done[head] {
            next = offsets[head] + 1
            head += 1
        }
        popped(upTo: next)
        return next
    }

    private mutating func popped(upTo next: Int64?) {
        if let next { nextToCommit = next }
        if head > 4_096 && head * 2 > offsets.count {
            offsets.removeFirst(head)
            done.removeFirst(head)
            head = 0
        }
    }

    mutating func truncate(from offset: Int64) {
        var end = offsets.count
        while end > head && offsets[end - 1] >= offset { end -= 1 }
        guard end < offsets.count else { return }
        offsets.removeSubrange(end...)
        done.removeSubrange(end...)
        if !held.isEmpty { held = held.filter { $0.key < offset } }
    }

    mutating func reset() {
        generation += 1
        held.removeAll()
        nextToCommit = nil
        offsets.removeAll()
        done.removeAll()
        head = 0
    }

    private func index(of offset: Int64) -> Int? {
        guard head < offsets.count else { return nil }
        // Offsets are usually dense, so the first guess almost always hits.
        let guess = head + Int(offset - offsets[head])
        if guess >= head && guess < offsets.count && offsets[guess] == offset { return guess }
        var low = head
        var high = offsets.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if offsets[middle] == offset { return middle }
            if offsets[middle] < offset { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }
}
