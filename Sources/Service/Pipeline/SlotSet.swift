/// A set of small non-negative integers (offset-tracker slots) with O(1) insert and no hashing:
/// a flag per slot and the members in insertion order. The tracker marks a slot on every
/// acknowledgement, so this runs once per record under its lock.
struct SlotSet: Sequence {
    private var isMember: [Bool] = []
    private var members: [Int] = []

    mutating func insert(_ slot: Int) {
        if slot >= isMember.count {
            isMember.append(contentsOf: repeatElement(false, count: slot + 1 - isMember.count))
        }
        guard !isMember[slot] else { return }
        isMember[slot] = true
        members.append(slot)
    }

    mutating func remove(_ slot: Int) {
        guard slot < isMember.count, isMember[slot] else { return }
        isMember[slot] = false
        members.removeAll { $0 == slot }
    }

    mutating func removeAll() {
        for slot in members { isMember[slot] = false }
        members.removeAll(keepingCapacity: true)
    }

    func makeIterator() -> IndexingIterator<[Int]> { members.makeIterator() }
}
