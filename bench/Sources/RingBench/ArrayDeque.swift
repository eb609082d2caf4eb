/// A fixed-capacity FIFO ring over an array: the deque inside the `Mutex` baseline (no package
/// dependencies, so not swift-collections' `Deque`).
struct ArrayDeque<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = [Element?](repeating: nil, count: capacity)
    }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == storage.count }

    /// Appends at the back; the deque must not be full.
    mutating func append(_ element: Element) {
        var index = head + count
        if index >= storage.count { index -= storage.count }
        storage[index] = element
        count += 1
    }

    /// Removes from the front; the deque must not be empty.
    mutating func removeFirst() -> Element {
        let element = storage[head].take()!
        head += 1
        if head == storage.count { head = 0 }
        count -= 1
        return element
    }
}
