import Platform
import Synchronization

/// A bounded, lock-free, single-producer / single-consumer FIFO ring: one per worker on the
/// result path, all drained by the one result-producer thread.
///
///     let parker = Parker()  // shared: the result thread sleeps until any worker has results
///     let results = (0..<workers).map { _ in SPSCRing<Verdict>(capacity: 1024, parker: parker) }
///     // worker w
///     _ = results[w].push(verdict, timeout: nil)
///     // result thread
///     for ring in results { ring.tryTakeBatch(max: 256) { produce($0) } }
///
/// Only one thread at a time may push and only one may take.
///
/// ### Implementation Notes
///
/// Lamport's ring with cached indices. `tail` and the producer's cached copy of `head` share
/// cache line 0, written only by the producer; `head` and the consumer's cached copy of `tail`
/// share line 1, written only by the consumer. Each side reads the other's index (acquire) only
/// when its cached copy says the ring is full (producer) or empty (consumer), so in steady state
/// neither side touches the other's line.
///
/// - Producer: initialize slot, then release-store `tail`; the consumer's acquire load of `tail`
///   makes the element visible.
/// - Consumer: move the element out, then release-store `head`; the producer's acquire load of
///   `head` orders the move-out before the slot is re-initialized.
@safe
public final class SPSCRing<Element: Sendable>: @unchecked Sendable {
    // @unchecked: slot memory is handed between the one producer and the one consumer through
    // the acquire/release pairs on `tail` and `head` described above.

    /// The maximum number of elements the ring holds.
    public let capacity: Int
    /// The parker the consumer sleeps on; signalled after each push and by ``close()``.
    public let parker: Parker
    /// How blocking operations wait before they park.
    public let waitPolicy: WaitPolicy

    @usableFromInline let mask: Int
    @usableFromInline let elements: UnsafeMutablePointer<Element>
    /// Line 0: `tail`, cached head (producer); line 1: `head`, cached tail (consumer);
    /// line 2: `closed`.
    @usableFromInline let indices: _CacheLineAtomics
    @usableFromInline let notFull = Parker()

    /// Creates an empty ring.
    /// - Parameters:
    ///   - capacity: The number of slots, a power of two of at least 2.
    ///   - parker: The parker the consumer waits on; share one between the rings it drains.
    ///   - waitPolicy: How blocking takes and pushes spin and yield before parking.
    public init(capacity: Int, parker: Parker = Parker(), waitPolicy: WaitPolicy = .default) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0, "capacity must be a power of two >= 2")
        self.capacity = capacity
        self.mask = capacity - 1
        self.parker = parker
        self.waitPolicy = waitPolicy
        unsafe self.elements = UnsafeMutablePointer.allocate(capacity: capacity)
        self.indices = _CacheLineAtomics(lines: 3)
    }

    deinit {
        var position = unsafe headPointer.pointee.load(ordering: .relaxed)
        let end = unsafe tailPointer.pointee.load(ordering: .relaxed)
        while position != end {
            unsafe (elements + (position & mask)).deinitialize(count: 1)
            position &+= 1
        }
        unsafe elements.deallocate()
    }

    @inlinable var tailPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 0) }
    @inlinable var cachedHeadPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(1, onLine: 0) }
    @inlinable var headPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 1) }
    @inlinable var cachedTailPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(1, onLine: 1) }
    @inlinable var closedPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 2) }

    /// The number of elements in the ring, best effort; always in `0...capacity`.
    public var count: Int {
        // Relaxed: a monitoring snapshot.
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        return min(max(tail &- head, 0), capacity)
    }

    /// Whether the ring looked empty; a `false` result makes the pushed elements visible.
    public var isEmpty: Bool {
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the producer's release store of `tail`.
        return unsafe tailPointer.pointee.load(ordering: .acquiring) &- head <= 0
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool {
        // Acquire pairs with the release store in `close()`.
        unsafe closedPointer.pointee.load(ordering: .acquiring) != 0
    }

    /// Closes the ring: pushes fail, waiters wake, takes drain what is left. Call from the
    /// producer thread or after it stopped pushing.
    public func close() {
        // Release pairs with the acquire load in `isClosed`.
        unsafe closedPointer.pointee.store(1, ordering: .releasing)
        parker.notifyAll()
        notFull.notifyAll()
    }

    /// Pushes `element` if there is room; never blocks. Producer thread only.
    /// - Returns: `false` if the ring is full or closed.
    @inlinable
    public func tryPush(_ element: consuming Element) -> Bool {
        // Relaxed: the producer's own state.
        if unsafe closedPointer.pointee.load(ordering: .relaxed) != 0 {
            return false
        }
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        if unsafe tail &- cachedHeadPointer.pointee.load(ordering: .relaxed) >= capacity {
            // Acquire pairs with the consumer's release store of `head` after its move-out.
            let head = unsafe headPointer.pointee.load(ordering: .acquiring)
            unsafe cachedHeadPointer.pointee.store(head, ordering: .relaxed)
            if tail &- head >= capacity {
                return false
            }
        }
        unsafe (elements + (tail & mask)).initialize(to: element)
        // Release pairs with the consumer's acquire load of `tail`.
        unsafe tailPointer.pointee.store(tail &+ 1, ordering: .releasing)
        parker.notify()
        return true
    }

    /// Takes up to `max` elements, oldest first, handing each to `body`; never blocks. Consumer
    /// thread only.
    /// - Returns: The number taken; 0 if the ring looked empty.
    @inlinable
    @discardableResult
    public func tryTakeBatch(max: Int, _ body: (consuming Element) -> Void) -> Int {
        precondition(max >= 1, "max must be at least 1")
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        var available = unsafe cachedTailPointer.pointee.load(ordering: .relaxed) &- head
        if available < max {
            // Acquire pairs with the producer's release store of `tail`.
            let tail = unsafe tailPointer.pointee.load(ordering: .acquiring)
            unsafe cachedTailPointer.pointee.store(tail, ordering: .relaxed)
            available = tail &- head
            if available <= 0 {
                return 0
            }
        }
        let count = Swift.min(available, max)
        for offset in 0..<count {
            let element = unsafe (elements + ((head &+ offset) & mask)).move()
            // Release pairs with the producer's acquire load of `head`: the move-out happens
            // before the slot is re-initialized.
            unsafe headPointer.pointee.store(head &+ offset &+ 1, ordering: .releasing)
            body(element)
        }
        notFull.notify()
        return count
    }

    /// Takes one element if there is one; never blocks. Consumer thread only.
    @inlinable
    public func tryTake() -> Element? {
        var result: Element? = nil
        tryTakeBatch(max: 1) { result = $0 }
        return result
    }

    /// Whether the producer has room (producer thread only).
    var hasRoom: Bool {
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the consumer's release store of `head`.
        return unsafe tail &- headPointer.pointee.load(ordering: .acquiring) < capacity
    }

    /// Pushes `element`, waiting up to `timeout` for room. Producer thread only.
    /// - Returns: `false` if the ring is closed, or still full when the timeout passed.
    public func push(_ element: Element, timeout: Duration?) -> Bool {
        if tryPush(element) {
            return true
        }
        return waitPolicy.run(
            parker: notFull,
            deadline: timeout.map { MonotonicDeadline.after($0) },
            isClosed: { isClosed },
            isReady: { hasRoom },
            attempt: { tryPush(element) ? () : nil }
        ) != nil
    }

    /// Takes up to `max` elements, waiting up to `timeout` for the first. Consumer thread only.
    /// - Returns: The number taken: 0 on timeout or once closed and drained.
    @discardableResult
    public func takeBatch(max: Int, timeout: Duration?, _ body: (consuming Element) -> Void) -> Int {
        let taken = tryTakeBatch(max: max, body)
        if taken > 0 {
            return taken
        }
        return waitPolicy.run(
            parker: parker,
            deadline: timeout.map { MonotonicDeadline.after($0) },
            isClosed: { isClosed },
            isReady: { !isEmpty },
            attempt: {
                let taken = tryTakeBatch(max: max, body)
                return taken > 0 ? taken : nil
            }
        ) ?? 0
    }
}
