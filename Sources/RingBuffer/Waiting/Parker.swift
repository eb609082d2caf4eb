import Platform
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An event count: lets threads sleep until "something may have changed" without a lost wake-up,
/// and costs the notifying side one fence and one load when nobody sleeps.
///
/// Every ring owns (or shares) a `Parker` that it signals after each push and on ``SPMCRing/close()``.
/// Several rings can share one: a worker that serves the rings of several Kafka consumers
/// creates them all with the same parker and sleeps until *any* of them has items:
///
///     let parker = Parker()
///     let rings = (0..<consumers).map { _ in SPMCRing<Message>(capacity: 4096, parker: parker) }
///     // worker loop
///     while true {
///         var taken = 0
///         for ring in rings { taken += ring.tryTakeBatch(max: 64) { process($0) } }
///         if taken > 0 { continue }
///         if rings.allSatisfy({ $0.isClosed && $0.isEmpty }) { break }
///         parker.wait(policy: .default, timeout: .milliseconds(100)) {
///             rings.contains { !$0.isEmpty } || rings.allSatisfy(\.isClosed)
///         }
///     }
///
/// Wake on "some ring has items, or every ring is closed", not on "some ring is closed": once
/// one ring is closed and drained, the latter stays true and the worker would spin instead of
/// sleeping while the other rings are idle. (`close()` notifies the parker, so the worker
/// still wakes when the last ring closes.)
///
/// ### Protocol
///
/// A waiter calls ``prepareToWait()``, re-checks its condition, and then either
/// ``cancelWait(_:)``s (condition true) or ``wait(_:deadline:)``s with the ticket. A notifier first
/// publishes its change (e.g. a release store of a ring's tail) and then calls ``notify()``.
/// ``wait(timeout:until:)`` packages the waiter's side.
///
/// ### Why no wake-up is lost
///
/// `state` packs a 32-bit epoch (high half) and a 32-bit waiter count (low half).
///
/// 1. *Dekker step.* The waiter increments the count (sequentially consistent RMW) and issues a
///    sequentially consistent fence before re-checking its condition; the notifier stores its
///    change, issues a sequentially consistent fence, then loads `state`. The fences are
///    totally ordered: if the notifier's comes first, the waiter's re-check sees the change and
///    it does not sleep; if the waiter's comes first, the notifier sees a non-zero count and goes
///    on to step 2. (Both may happen; neither may be missed.)
/// 2. *Epoch step.* The notifier replaces `state` with (epoch + 1, 0 waiters) by a release CAS,
///    then locks and unlocks the mutex and broadcasts. A waiter sleeps only after checking,
///    with the mutex held, that the epoch still equals its ticket; `pthread_cond_timedwait`
///    releases the mutex atomically. So either the waiter checks after the notifier's
///    unlock (and sees the new epoch), or it is already waiting when the broadcast comes.
///    A waiter whose ticket already holds the new epoch read it with its RMW (which includes
///    acquire), so it synchronizes with the bump and its re-check sees the change.
///
/// Because a notification zeroes the count, only the first notify after a waiter registered
/// pays for the mutex and the broadcast; later notifies cost the fence and one load, even while
/// the woken waiter is still being scheduled. A waiter that gives up (condition true, or timed
/// out) decrements the count only if the epoch is still its ticket's.
///
/// The epoch wraps after 2^32 notifications; a waiter would have to sleep through exactly that
/// many to miss one. Spurious returns are allowed: callers re-check their condition in a loop.
@safe
public final class Parker: @unchecked Sendable {
    // @unchecked: the pthread mutex and condition variable live at stable heap addresses owned
    // by this object, are initialized in `init` before it is shared and destroyed in `deinit`;
    // every access goes through the pthread calls, which are thread-safe.

    /// Epoch in the high 32 bits, registered waiters in the low 32 bits.
    private let state = Atomic<UInt64>(0)
    /// Counts threads that actually blocked in the kernel, for tests and benchmarks.
    private let parks = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    private static let waiterMask: UInt64 = 0xFFFF_FFFF

    /// A waiter's snapshot of the epoch, taken by ``prepareToWait()``.
    public struct Ticket: Sendable {
        fileprivate let epoch: UInt64
    }

    /// Creates a parker with no waiters.
    public init() {
        unsafe mutex = UnsafeMutablePointer.allocate(capacity: 1)
        unsafe condition = UnsafeMutablePointer.allocate(capacity: 1)
        unsafe pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        unsafe pthread_condattr_init(&attributes)
        // Deadlines are CLOCK_MONOTONIC so that wall-clock steps cannot stretch or cut a wait.
        unsafe pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        unsafe pthread_cond_init(condition, &attributes)
        unsafe pthread_condattr_destroy(&attributes)
    }

    deinit {
        unsafe pthread_cond_destroy(condition)
        unsafe pthread_mutex_destroy(mutex)
        unsafe condition.deallocate()
        unsafe mutex.deallocate()
    }

    /// Registers the caller as a waiter; re-check the condition after this call.
    /// - Returns: The ticket to pass to ``wait(_:deadline:)`` or ``cancelWait(_:)``.
    public func prepareToWait() -> Ticket {
        // Sequentially consistent RMW (Dekker step); as an RMW it also acquires, pairing with
        // the release CAS in `wake()`: if we read a bumped epoch, that notifier's change is
        // visible to our re-check.
        let old = state.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        // Dekker fence: orders the registration before the caller's re-check.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return Ticket(epoch: old >> 32)
    }

    /// Deregisters a waiter whose re-check found the condition true.
    /// - Parameter ticket: The ticket from ``prepareToWait()``.
    public func cancelWait(_ ticket: Ticket) {
        // Relaxed: the count only decides whether notifiers take the slow path; a notifier that
        // already bumped the epoch has zeroed the count, so there is nothing to undo.
        var current = state.load(ordering: .relaxed)
        while current >> 32 == ticket.epoch && current & Self.waiterMask > 0 {
            let (exchanged, actual) = state.compareExchange(
                expected: current,
                desired: current - 1,
                ordering: .relaxed
            )
            if exchanged { return }
            current = actual
        }
    }

    /// Sleeps until a notification newer than `ticket`, the deadline, or a spurious wake-up.
    /// - Parameters:
    ///   - ticket: The ticket from ``prepareToWait()``; the call deregisters the waiter.
    ///   - deadline: When to give up, or `nil` to wait for a notification.
    /// - Returns: `false` if the deadline passed without a notification, otherwise `true`.
    @discardableResult
    public func wait(_ ticket: Ticket, deadline: MonotonicDeadline?) -> Bool {
        var notified = true
        unsafe pthread_mutex_lock(mutex)
        // Relaxed under the mutex: the notifier bumps the epoch before it takes the mutex.
        while state.load(ordering: .relaxed) >> 32 == ticket.epoch {
            parks.wrappingAdd(1, ordering: .relaxed)
            if let deadline {
                var time = deadline.cTimespec
                if unsafe pthread_cond_timedwait(condition, mutex, &time) == ETIMEDOUT {
                    notified = state.load(ordering: .relaxed) >> 32 != ticket.epoch
                    break
                }
            } else {
                unsafe pthread_cond_wait(condition, mutex)
            }
        }
        unsafe pthread_mutex_unlock(mutex)
        if !notified {
            cancelWait(ticket)
        }
        // When notified, the notifier already zeroed the count: nothing to deregister.
        return notified
    }

    /// Sleeps until `condition()` holds, a notification arrives, or the timeout passes.
    ///
    /// Registers, evaluates `condition` once (returning `true` at once if it holds), then sleeps.
    /// A `true` result means "re-check": it does not promise the condition still holds.
    /// - Parameters:
    ///   - timeout: The longest time to sleep, or `nil` for no limit.
    ///   - condition: What the caller waits for, e.g. "one of my rings is non-empty or closed";
    ///     it must read the state the notifier publishes before calling ``notify()``.
    /// - Returns: `false` if the timeout passed without a notification.
    @discardableResult
    public func wait(timeout: Duration?, until condition: () -> Bool) -> Bool {
        wait(deadline: timeout.map { MonotonicDeadline.after($0) }, until: condition)
    }

    /// Re-checks `condition` while spinning and yielding as `policy` says, then sleeps as
    /// ``wait(timeout:until:)`` does: the blocking step of a worker that serves several rings.
    /// - Parameters:
    ///   - policy: How long to spin and yield before parking.
    ///   - timeout: The longest time to sleep, or `nil` for no limit.
    ///   - condition: What the caller waits for (see ``wait(timeout:until:)``).
    /// - Returns: `false` if the timeout passed without a notification.
    @discardableResult
    public func wait(policy: WaitPolicy, timeout: Duration?, until condition: () -> Bool) -> Bool {
        var round = 0
        while true {
            if condition() {
                return true
            }
            if !policy.backOff(&round) {
                return wait(timeout: timeout, until: condition)
            }
        }
    }

    /// ``wait(timeout:until:)`` with an absolute deadline.
    @discardableResult
    public func wait(deadline: MonotonicDeadline?, until condition: () -> Bool) -> Bool {
        let ticket = prepareToWait()
        if condition() {
            cancelWait(ticket)
            return true
        }
        return wait(ticket, deadline: deadline)
    }

    /// Wakes every registered waiter, if any; call after publishing a change.
    ///
    /// Costs one sequentially consistent fence and a relaxed load when nobody waits.
    @inlinable
    public func notify() {
        // Dekker fence (step 1): orders the caller's publishing store before our read of the
        // waiter count, against the waiter's register-fence-recheck sequence.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if _hasWaiters {
            wake(always: false)
        }
    }

    /// Wakes every waiter unconditionally (used by `close()`).
    public func notifyAll() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        wake(always: true)
    }

    @usableFromInline
    var _hasWaiters: Bool {
        // Relaxed: ordered by the fence in `notify()`.
        state.load(ordering: .relaxed) & Self.waiterMask > 0
    }

    @usableFromInline
    func wake(always: Bool) {
        var current = state.load(ordering: .relaxed)
        while true {
            if !always && current & Self.waiterMask == 0 {
                // Another notifier bumped the epoch after our check: it wakes everyone.
                return
            }
            // Release pairs with the acquiring RMW in `prepareToWait()` (epoch step).
            let (exchanged, actual) = state.compareExchange(
                expected: current,
                desired: ((current >> 32) &+ 1) << 32,
                successOrdering: .releasing,
                failureOrdering: .relaxed
            )
            if exchanged { break }
            current = actual
        }
        // Lock and unlock so that no waiter is between its epoch check and its wait.
        unsafe pthread_mutex_lock(mutex)
        unsafe pthread_mutex_unlock(mutex)
        unsafe pthread_cond_broadcast(condition)
    }

    /// How many times a thread has blocked in `pthread_cond_(timed)wait` on this parker.
    public var parkCount: Int { parks.load(ordering: .relaxed) }
}
