import Platform
import Synchronization

/// A bounded, lock-free, multi-producer / single-consumer FIFO ring: the result path, where every
/// worker pushes into one ring that the result-producer thread drains.
///
/// Elements from one producer are taken in the order that producer pushed them.
///
/// ### Implementation Notes
///
/// Vyukov's bounded queue specialised for one consumer (as in rigtorp/MPMCQueue). Each slot has
/// a sequence number: `p` when free for position `p`, `p + 1` when it holds element `p`.
///
/// - Producers claim position `t` by a relaxed compare-and-swap of `tail` after seeing (acquire)
///   the slot's sequence equal to `t`; that acquire pairs with the consumer's release store of
///   `p + capacity` after its move-out. They then initialize the slot and release-store `t + 1`.
/// - The consumer loads the sequence of slot `head` with acquire (pairing with that release) and
///   takes the element only when it equals `head + 1`, so it never reads a claimed but unwritten
///   slot. `head` is consumer-private (atomic only so that ``count`` can read it).
///
/// A producer preempted between its claim and its release store holds up the consumer at that
/// position (the queue is lock-free for producers, not for the consumer). That is the price of
/// one ring instead of one per worker; the whole-pipeline drain did not show it beyond its noise
/// (docs/RINGBUFFER.md, "Result path").
@safe
public final class MPSCRing<Element: Sendable>: @unchecked Sendable {
    // @unchecked: ownership of each slot passes from the producer that claimed it to the
    // consumer and back through the acquire/release pairs on the slot sequences.

    /// The maximum number of elements the ring holds.
    public let capacity: Int
    /// The parker the consumer sleeps on; signalled after each push and by ``close()``.
    public let parker: Parker
    /// How blocking operations wait before they park.
    public let waitPolicy: WaitPolicy

    @usableFromInline let mask: Int
    @usableFromInline let elements: UnsafeMutablePointer<Element>
    @usableFromInline let sequences: UnsafeMutablePointer<Atomic<Int>>
    /// Line 0: `tail` (producers); line 1: `head` (consumer); line 2: `closed`.
    @usableFromInline let indices: _CacheLineAtomics
    @usableFromInline let notFull = Parker()

    /// Creates an empty ring.
    /// - Parameters:
    ///   - capacity: The number of slots, a power of two of at least 2.
    ///   - parker: The parker the consumer waits on.
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
        var position = unsafe headPointer.pointee.load(ordering: .relaxed)
        while unsafe sequences[position & mask].load(ordering: .relaxed) == position &+ 1 {
            unsafe (elements + (position & mask)).deinitialize(count: 1)
            position &+= 1
        }
        unsafe elements.deallocate()
        unsafe sequences.deallocate()
    }

    @inlinable var tailPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 0) }
    @inlinable var headPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 1) }
    @inlinable var closedPointer: UnsafeMutablePointer<Atomic<Int>> { unsafe indices.word(0, onLine: 2) }

    /// The number of elements in the ring (including claimed, unwritten ones), best effort;
    /// always in `0...capacity`.
    public var count: Int {
        // Relaxed: a monitoring snapshot.
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        return min(max(tail &- head, 0), capacity)
    }

    /// Whether the next element is not ready yet; a `false` result makes it visible.
    public var isEmpty: Bool {
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the producer's release store of the slot sequence.
        return unsafe sequences[head & mask].load(ordering: .acquiring) != head &+ 1
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool {
        // Acquire pairs with the release store in `close()`.
        unsafe closedPointer.pointee.load(ordering: .acquiring) != 0
    }

    /// Closes the ring: pushes fail, waiters wake, takes drain what is left. Call once every
    /// producer stopped pushing.
    public func close() {
        // Release pairs with the acquire load in `isClosed`.
        unsafe closedPointer.pointee.store(1, ordering: .releasing)
        parker.notifyAll()
        notFull.notifyAll()
    }

    /// Pushes `element` if there is room; never blocks. Any thread.
    /// - Returns: `false` if the ring is full or closed.
    @inlinable
    public func tryPush(_ element: consuming Element) -> Bool {
        if unsafe closedPointer.pointee.load(ordering: .relaxed) != 0 {
            return false
        }
        // Relaxed: a guess, validated by the sequence check and the CAS.
        var tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        while true {
            let slot = tail & mask
            // Acquire pairs with the consumer's release store after moving the previous
            // occupant out.
            let sequence = unsafe sequences[slot].load(ordering: .acquiring)
            let difference = sequence &- tail
            if difference == 0 {
                // Relaxed: the slot was acquired above; the CAS only arbitrates producers.
                let (exchanged, current) = unsafe tailPointer.pointee.compareExchange(
                    expected: tail,
                    desired: tail &+ 1,
                    ordering: .relaxed
                )
                if exchanged {
                    unsafe (elements + slot).initialize(to: element)
                    // Release pairs with the consumer's acquire load of the sequence.
                    unsafe sequences[slot].store(tail &+ 1, ordering: .releasing)
                    parker.notify()
                    return true
                }
                tail = current
            } else if difference < 0 {
                // The slot still holds element `tail - capacity`: full, unless `tail` moved.
                let current = unsafe tailPointer.pointee.load(ordering: .relaxed)
                if current == tail {
                    return false
                }
                tail = current
            } else {
                // Another producer took `tail`.
                tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
            }
        }
    }

    /// Pushes a prefix of `elements[start...]` under one claim: as many as fit now, all or
    /// nothing per attempt. Any thread.
    ///
    /// The consumer frees slots in position order, so when the last slot of the range
    /// `tail ..< tail + n` is free (its sequence, loaded with acquire, equals its position) every
    /// earlier one is too, and that acquire pairs with the consumer's release store after its
    /// move-out from the last slot, which follows its move-outs from the earlier ones. One
    /// compare-and-swap claims the range; each slot is then initialised and released as in
    /// ``tryPush(_:)``, and the parker is notified once.
    /// - Returns: The number pushed: 0 if the ring is full or closed.
    @inlinable
    public func tryPush(contentsOf elements: [Element], from start: Int) -> Int {
        let wanted = elements.count - start
        guard wanted > 0, unsafe closedPointer.pointee.load(ordering: .relaxed) == 0 else { return 0 }
        var tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        var count = Swift.min(wanted, capacity)
        while true {
            let last = tail &+ count &- 1
            // Acquire pairs with the consumer's release store after moving the last slot's
            // previous occupant out (and so, in its program order, every earlier slot's).
            let sequence = unsafe sequences[last & mask].load(ordering: .acquiring)
            let difference = sequence &- last
            if difference == 0 {
                // Relaxed: the range was acquired above; the CAS only arbitrates producers.
                let (exchanged, current) = unsafe tailPointer.pointee.compareExchange(
                    expected: tail,
                    desired: tail &+ count,
                    ordering: .relaxed
                )
                if exchanged { break }
                tail = current
            } else if difference < 0 {
                // The range reaches an occupied slot: full there, unless `tail` moved.
                let current = unsafe tailPointer.pointee.load(ordering: .relaxed)
                if current != tail {
                    tail = current
                    continue
                }
                guard count > 1 else { return 0 }
                // Try the part that looks free now (relaxed: a guess the sequence check
                // validates), down to one slot.
                let head = unsafe headPointer.pointee.load(ordering: .relaxed)
                count = Swift.max(1, Swift.min(count - 1, capacity - (tail &- head)))
            } else {
                // Another producer took `tail`.
                tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
            }
        }
        for index in 0..<count {
            let position = tail &+ index
            unsafe (self.elements + (position & mask)).initialize(to: elements[start + index])
            // Release pairs with the consumer's acquire load of the sequence.
            unsafe sequences[position & mask].store(position &+ 1, ordering: .releasing)
        }
        parker.notify()
        return count
    }

    /// Pushes all of `elements` in order, waiting up to `timeout` for room whenever the ring is
    /// full. Any thread.
    /// - Returns: `false` if the ring closed, or stayed full past the timeout, before all were
    ///   pushed.
    public func push(contentsOf elements: [Element], timeout: Duration?) -> Bool {
        var start = 0
        while start < elements.count {
            let pushed = tryPush(contentsOf: elements, from: start)
            if pushed > 0 {
                start += pushed
                continue
            }
            guard push(elements[start], timeout: timeout) else { return false }
            start += 1
        }
        return true
    }

    /// Takes up to `max` ready elements, oldest first, handing each to `body`; never blocks.
    /// Consumer thread only.
    /// - Returns: The number taken; 0 if the next element was not ready.
    @inlinable
    @discardableResult
    public func tryTakeBatch(max: Int, _ body: (consuming Element) -> Void) -> Int {
        precondition(max >= 1, "max must be at least 1")
        // Relaxed: only this (consumer) thread writes `head`.
        let head = unsafe headPointer.pointee.load(ordering: .relaxed)
        var taken = 0
        while taken < max {
            let position = head &+ taken
            let slot = position & mask
            // Acquire pairs with the producer's release store of `position + 1`.
            guard unsafe sequences[slot].load(ordering: .acquiring) == position &+ 1 else {
                break
            }
            let element = unsafe (elements + slot).move()
            // Release pairs with the producers' acquire load: the move-out happens before the
            // slot is re-initialized for `position + capacity`.
            unsafe sequences[slot].store(position &+ capacity, ordering: .releasing)
            taken += 1
            body(element)
        }
        if taken > 0 {
            // Relaxed: read only by `count` and by this thread.
            unsafe headPointer.pointee.store(head &+ taken, ordering: .relaxed)
            notFull.notify()
        }
        return taken
    }

    /// Takes one element if one is ready; never blocks. Consumer thread only.
    @inlinable
    public func tryTake() -> Element? {
        var result: Element? = nil
        tryTakeBatch(max: 1) { result = $0 }
        return result
    }

    /// Whether a push would find room right now.
    var hasRoom: Bool {
        let tail = unsafe tailPointer.pointee.load(ordering: .relaxed)
        // Acquire pairs with the consumer's release store of the slot sequence.
        return unsafe sequences[tail & mask].load(ordering: .acquiring) &- tail >= 0
    }

    /// Pushes `element`, waiting up to `timeout` for room. Any thread.
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
