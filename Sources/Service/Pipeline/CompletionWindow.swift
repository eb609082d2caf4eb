import Kafka

/// One partition's registered offsets, in increasing order, each with a done flag.
///
/// Entries live in `offsets[head...]`; the consumed prefix is compacted away once it is both long
/// and more than half the storage, so memory follows the live window, amortised O(1) per entry.
struct CompletionWindow {
    let topicPartition: TopicPartition
    var consumer = 0
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

    /// Pops the done prefix; returns the next offset to commit when the prefix was not empty.
    mutating func advance() -> Int64? {
        var next: Int64? = nil
        while head < offsets.count && done[head] {
            next = offsets[head] + 1
            head += 1
        }
        if let next { nextToCommit = next }
        if head > 4_096 && head * 2 > offsets.count {
            offsets.removeFirst(head)
            done.removeFirst(head)
            head = 0
        }
        return next
    }

    mutating func truncate(from offset: Int64) {
        var end = offsets.count
        while end > head && offsets[end - 1] >= offset { end -= 1 }
        offsets.removeSubrange(end...)
        done.removeSubrange(end...)
    }

    mutating func reset() {
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
