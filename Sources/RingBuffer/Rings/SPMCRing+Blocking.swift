import Platform
import Synchronization

extension SPMCRing {
    /// Pushes `element`, waiting up to `timeout` for room (spin, yield, then park). Producer
    /// thread only.
    /// - Parameters:
    ///   - element: The element to move into the ring.
    ///   - timeout: The longest time to wait for room, or `nil` for no limit.
    /// - Returns: `false` if the ring is closed, or still full when the timeout passed.
    public func push(_ element: Element, timeout: Duration?) -> Bool {
        if tryPush(element) {
            return true
        }
        let pushed: Void? = waitPolicy.run(
            parker: notFull,
            deadline: timeout.map { MonotonicDeadline.after($0) },
            isClosed: { isClosed },
            isReady: { hasRoom },
            attempt: { tryPush(element) ? () : nil }
        )
        return pushed != nil
    }

    /// Whether the producer's next slot is free (producer thread only).
    var hasRoom: Bool {
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the consumers' release stores of slot sequences, as in `tryPush`.
        return unsafe sequences[tail & mask].load(ordering: .acquiring) == tail
    }

    /// Takes one element, waiting up to `timeout` (spin, yield, then park).
    /// - Parameter timeout: The longest time to wait, or `nil` for no limit.
    /// - Returns: An element, or `nil` on timeout or once the ring is closed and drained.
    public func take(timeout: Duration?) -> Element? {
        var result: Element? = nil
        takeBatch(max: 1, timeout: timeout) { result = $0 }
        return result
    }

    /// Takes up to `max` elements, waiting up to `timeout` for the first (spin, yield, then park).
    ///
    /// Returns as soon as at least one element is taken; does not wait to fill the batch.
    /// - Parameters:
    ///   - max: The most elements to take, at least 1.
    ///   - timeout: The longest time to wait, or `nil` for no limit.
    ///   - body: Called once per element, oldest first, before this method returns.
    /// - Returns: The number taken: 0 on timeout, or once the ring is closed and drained
    ///   (tell them apart with ``isClosed``).
    @discardableResult
    public func takeBatch(max: Int, timeout: Duration?, _ body: (consuming Element) -> Void) -> Int {
        let taken = tryTakeBatch(max: max, body)
        if taken > 0 {
            return taken
        }
        let result = waitPolicy.run(
            parker: parker,
            deadline: timeout.map { MonotonicDeadline.after($0) },
            isClosed: { isClosed },
            isReady: { !isEmpty },
            attempt: {
                let taken = tryTakeBatch(max: max, body)
                return taken > 0 ? taken : nil
            }
        )
        return result ?? 0
    }

    /// Appends up to `max` elements to `buffer`, waiting up to `timeout` for the first.
    /// - Parameters:
    ///   - max: The most elements to take, at least 1.
    ///   - buffer: The caller-owned buffer to append to.
    ///   - timeout: The longest time to wait, or `nil` for no limit.
    /// - Returns: The number appended: 0 on timeout or once the ring is closed and drained.
    @discardableResult
    public func takeBatch(max: Int, into buffer: inout [Element], timeout: Duration?) -> Int {
        takeBatch(max: max, timeout: timeout) { buffer.append($0) }
    }
}
