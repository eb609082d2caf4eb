import Synchronization

/// A bounded, lock-free, single-producer / multi-consumer FIFO ring of `Element`s.
///
/// One thread (a Kafka poller) pushes; any number of worker threads take, one item at a time or
/// in micro-batches of up to `max` items claimed with a single compare-and-swap.
///
///     let ring = SPMCRing<Message>(capacity: 4096)
///     // poller thread
///     if !ring.tryPush(message) { pausePartitions() }
///     // worker threads
///     var batch: [Message] = []
///     batch.reserveCapacity(64)
///     while ring.takeBatch(max: 64, into: &batch, timeout: .milliseconds(100)) > 0 || !ring.isClosed {
///         score(batch)
///         batch.removeAll(keepingCapacity: true)
///     }
///
/// Only one thread at a time may call the producer methods (``tryPush(_:)``,
/// ``push(_:timeout:)``); ``close()`` should be called by that thread, or after it stopped
/// pushing. Items are taken in push order: each worker sees the items it takes in increasing
/// push order, and a batch is a contiguous run of pushes.
///
/// ### Implementation Notes
///
/// Positions are unbounded `Int` counters (no ABA in practice: 2^63 pushes); position `p` lives
/// in slot `p & (capacity - 1)`.
///
/// - `tail` (own cache line, written only by the producer) is the next position to push. The
///   producer's release store of `tail` publishes the element it just initialized; consumers load
///   `tail` with acquire, so every position below the `tail` they read is initialized and visible.
/// - `head` (own cache line, shared by consumers) is the next position to claim. A consumer claims
///   positions `[h, h + n)` with one compare-and-swap of `head` from `h` to `h + n`, where
///   `n = min(max, tail - h)`. The CAS can be relaxed: the data was already acquired through
///   `tail`, and the CAS only arbitrates ownership between consumers.
/// - Each slot has a sequence number, `sequences[p & mask]`, equal to `p` when the slot is free
///   for position `p`. After moving element `p` out, the consumer stores `p + capacity` with
///   release; the producer loads the sequence of slot `t & mask` with acquire and pushes only if
///   it equals `t`. That pair orders the consumer's move-out before the producer's
///   re-initialization of the slot. (`head` cannot serve here: it moves at claim time, before the
///   claimed elements are moved out.)
///
/// Per item, a push costs one acquire load, one release store and the ``Parker/notify()`` fence;
/// a batch take of `n` items costs one acquire load and one CAS plus `n` release stores.
///
/// Elements are moved in (`initialize(to:)`) and moved out (`move()`), never copied inside the
/// ring; elements still in the ring when it is deinitialized are destroyed.
@safe
public final class SPMCRing<Element: Sendable>: @unchecked Sendable {
    // @unchecked: the slot storage is shared mutable memory. Ownership of each slot passes
    // between the producer and exactly one consumer through the acquire/release pairs described
    // above, so no two threads access a slot's element concurrently.

    /// The maximum number of elements the ring holds.
    public let capacity: Int
    /// The parker consumers sleep on; signalled after each push and by ``close()``.
    ///
    /// Pass the same parker to several rings to let a worker sleep until any of them has items.
    public let parker: Parker
    /// How blocking operations wait before they park.
    public let waitPolicy: WaitPolicy

    @usableFromInline let mask: Int
    @usableFromInline let elements: UnsafeMutablePointer<Element>
    @usableFromInline let sequences: UnsafeMutablePointer<Atomic<Int>>
    /// Line 0: `tail` (producer); line 1: `head` (consumers); line 2: `closed`.
    @usableFromInline let indices: _CacheLineAtomics
    /// The parker the producer sleeps on in ``push(_:timeout:)``; signalled after each take.
    @usableFromInline let notFull = Parker()

    /// Creates an empty ring.
    /// - Parameters:
    ///   - capacity: The number of slots, a power of two of at least 2.
    ///   - parker: The parker consumers wait on; share one between rings a worker serves.
    ///   - waitPolicy: How blocking takes and pushes spin and yield before parking.
    public init(capacity: Int, parker: Parker = Parker(), waitPolicy: WaitPolicy = .default) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0, "capacity must be a power of two >= 2")
        self.capacity = capacity
        self.mask = capacity - 1
        self.parker = parker
        self.waitPolicy = waitPolicy
        unsafe self.elements = UnsafeMutablePointer.allocate(capacity: capacity)
        unsafe self.sequences = UnsafeMutablePointer.allocate(capacity: capacity)
        for slot in 0..<capacity {
            unsafe (sequences + slot).initialize(to: Atomic(slot))
        }
        self.indices = _CacheLineAtomics(lines: 3)
    }

    deinit {
        // No other thread can hold a reference, so relaxed loads see the final indices.
        var position = unsafe headPointer.pointee.load(ordering: .relaxed)
        let end = unsafe tailPointer.pointee.load(ordering: .relaxed)
        while position != end {
            unsafe (elements + (position & mask)).deinitialize(count: 1)
            position &+= 1
        }
        unsafe elements.deallocate()
        unsafe sequences.deallocate()
    }

    /// The producer's index (cache line 0).
    @inlinable var tailPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 0) }
    /// The consumers' index (cache line 1).
    @inlinable var headPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 1) }
    /// Non-zero once closed (cache line 2).
    @inlinable var closedPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 2) }

    // MARK: State

    /// The number of elements in the ring, best effort: exact only when no thread is pushing or
    /// taking; always in `0...capacity`.
    public var count: Int {
        // Relaxed: a snapshot for monitoring and back-pressure heuristics, ordering nothing.
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        return min(max(tail &- head, 0), capacity)
    }

    /// Whether the ring looked empty when checked.
    ///
    /// Loads `tail` with acquire, so a `false` result makes the pushed elements visible; fit for
    /// a ``Parker`` condition.
    public var isEmpty: Bool {
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the producer's release store of `tail` in `tryPush(_:)`.
        return unsafe tailPointer.pointee.load(ordering: .acquiring) &- head <= 0
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool {
        // Acquire pairs with the release store in `close()`: pushes made before `close()` are
        // visible to a consumer that sees the ring closed.
        unsafe closedPointer.pointee.load(ordering: .acquiring) != 0
    }

    /// Closes the ring: pushes fail from now on, waiting consumers and a waiting producer wake,
    /// and takes return the elements left, then nothing.
    ///
    /// Call from the producer thread (or once it stopped pushing) so that every successful push
    /// happens before the close. Idempotent.
    public func close() {
        // Release pairs with the acquire load in `isClosed`.
        unsafe closedPointer.pointee.store(1, ordering: .releasing)
        parker.notifyAll()
        notFull.notifyAll()
    }

    // MARK: Producer

    /// Pushes `element` if there is room; never blocks. Producer thread only.
    /// - Parameter element: The element to move into the ring.
    /// - Returns: `false` if the ring is full or closed (the element is then dropped by the ring;
    ///   the caller keeps its own copy).
    @inlinable
    public func tryPush(_ element: consuming Element) -> Bool {
        // Relaxed: only the producer thread writes `tail` and (by contract) calls `close()`.
        if unsafe closedPointer.pointee.load(ordering: .relaxed) != 0 {
            return false
        }
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        let slot = tail & mask
        // Acquire pairs with the consumer's release store of this sequence after it moved the
        // previous occupant (position tail - capacity) out: the slot memory is ours to fill.
        guard unsafe sequences[slot].load(ordering: .acquiring) == tail else {
            return false
        }
        unsafe (elements + slot).initialize(to: element)
        // Release pairs with the consumers' acquire loads of `tail`: the element is visible
        // before any consumer can claim position `tail`.
        unsafe tailPointer.pointee.store(tail &+ 1, ordering: .releasing)
        parker.notify()
        return true
    }

    /// Pushes as many elements from the front of `elements` as there is room for, publishing
    /// them with one store and one notification; never blocks. Producer thread only.
    ///
    /// For a poller that receives messages in batches: it costs one acquire load per element
    /// (the slot check) but only one release store of `tail` and one ``Parker/notify()`` fence
    /// for the whole run.
    /// - Parameter elements: The elements to push, in order.
    /// - Returns: How many elements from the front of `elements` were pushed (0 if the ring is
    ///   full or closed).
    @inlinable
    @discardableResult
    public func tryPush(contentsOf elements: some Sequence<Element>) -> Int {
        // Relaxed: the producer's own state, as in `tryPush(_:)`.
        if unsafe closedPointer.pointee.load(ordering: .relaxed) != 0 {
            return 0
        }
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        var pushed = 0
        for element in elements {
            let position = tail &+ pushed
            let slot = position & mask
            // Acquire pairs with the consumer's release store after its move-out, as in
            // `tryPush(_:)`.
            guard unsafe sequences[slot].load(ordering: .acquiring) == position else {
                break
            }
            unsafe (self.elements + slot).initialize(to: element)
            pushed += 1
        }
        if pushed > 0 {
            // Release pairs with the consumers' acquire loads of `tail`: all `pushed`
            // initializations are visible before any of those positions can be claimed.
            unsafe tailPointer.pointee.store(tail &+ pushed, ordering: .releasing)
            parker.notify()
        }
        return pushed
    }

    // MARK: Consumers

    /// Takes one element if there is one; never blocks.
    /// - Returns: The oldest unclaimed element, or `nil` if the ring looked empty.
    @inlinable
    public func tryTake() -> Element? {
        var result: Element? = nil
        _ = tryTakeBatch(max: 1) { result = $0 }
        return result
    }

    /// Claims up to `max` elements in one step and hands each to `body`, oldest first; never
    /// blocks.
    /// - Parameters:
    ///   - max: The most elements to take, at least 1.
    ///   - body: Called once per element, on the calling thread, before this method returns.
    /// - Returns: The number of elements taken; 0 if the ring looked empty.
    @inlinable
    @discardableResult
    public func tryTakeBatch(max: Int, _ body: (consuming Element) -> Void) -> Int {
        precondition(max >= 1, "max must be at least 1")
        // Relaxed: a guess for the CAS below, which re-validates it.
        var head = unsafe headPointer.pointee.load(ordering: .relaxed)
        var claimed = 0
        while true {
            // Acquire pairs with the producer's release store of `tail` in `tryPush(_:)`:
            // positions below `tail` are initialized and visible to us.
            let available = unsafe tailPointer.pointee.load(ordering: .acquiring) &- head
            if available <= 0 {
                return 0
            }
            claimed = Swift.min(available, max)
            // Relaxed: the data is already acquired through `tail`; the CAS only decides which
            // consumer owns positions [head, head + claimed).
            let (exchanged, current) = unsafe headPointer.pointee.compareExchange(
                expected: head,
                desired: head &+ claimed,
                ordering: .relaxed
            )
            if exchanged {
                break
            }
            head = current
        }
        for offset in 0..<claimed {
            let position = head &+ offset
            let slot = position & mask
            let element = unsafe (elements + slot).move()
            // Release pairs with the producer's acquire load of the sequence in `tryPush(_:)`:
            // our move-out happens before it re-initializes the slot for position + capacity.
            unsafe sequences[slot].store(position &+ capacity, ordering: .releasing)
            body(element)
        }
        notFull.notify()
        return claimed
    }

    /// Appends up to `max` elements to `buffer`; never blocks.
    ///
    /// Reserve capacity in `buffer` once and reuse it with `removeAll(keepingCapacity: true)` to
    /// take batches without allocating.
    /// - Parameters:
    ///   - max: The most elements to take, at least 1.
    ///   - buffer: The caller-owned buffer to append to.
    /// - Returns: The number of elements appended.
    @inlinable
    @discardableResult
    public func tryTakeBatch(max: Int, into buffer: inout [Element]) -> Int {
        tryTakeBatch(max: max) { buffer.append($0) }
    }
}
