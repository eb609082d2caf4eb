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
///         parker.wait(timeout: .milliseconds(100)) { rings.contains { !$0.isEmpty || $0.isClosed } }
///     }
///
/// ### Protocol
///
/// A waiter calls ``prepareToWait()``, re-checks its condition, and then either
/// ``cancelWait()``s (condition true) or ``wait(_:deadline:)``s with the ticket. A notifier first
/// publishes its change (e.g. a release store of a ring's tail) and then calls ``notify()``.
/// ``wait(timeout:until:)`` packages the waiter's side.
///
/// ### Why no wake-up is lost
///
/// 1. *Dekker step.* The waiter increments `waiters` (sequentially consistent RMW) and issues a
///    sequentially consistent fence before re-checking the condition; the notifier stores the
///    change, issues a sequentially consistent fence, then loads `waiters`. The two fences are
///    totally ordered: if the notifier's comes first the waiter's re-check sees the change and
///    it does not sleep; if the waiter's comes first the notifier sees `waiters > 0` and goes on
///    to step 2. (Both outcomes may happen; neither may be missed.)
/// 2. *Epoch step.* The ticket is the `epoch` the waiter read (acquire) *before* its re-check.
///    The notifier bumps `epoch` (release) while holding the mutex and broadcasts. If the waiter
///    read the bumped epoch, it synchronizes with the bump, so its re-check sees the change
///    published before the notify. Otherwise its ticket is stale: under the mutex it either
///    sees the new epoch and returns, or it is already inside `pthread_cond_timedwait` (which
///    releases the mutex atomically) before the notifier takes the mutex, and the broadcast
///    wakes it.
///
/// Spurious returns are allowed: callers re-check their condition in a loop.
@safe
public final class Parker: @unchecked Sendable {
    // @unchecked: the pthread mutex and condition variable live at stable heap addresses owned
    // by this object, are initialized in `init` before it is shared and destroyed in `deinit`;
    // every access goes through the pthread calls, which are thread-safe.

    /// The number of threads between ``prepareToWait()`` and the end of their wait.
    private let waiters = Atomic<Int>(0)
    /// Bumped (under `mutex`) by each notification that finds a waiter.
    private let epoch = Atomic<UInt64>(0)
    /// Counts threads that actually blocked in the kernel, for tests and benchmarks.
    private let parks = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

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
    /// - Returns: The ticket to pass to ``wait(_:deadline:)``.
    public func prepareToWait() -> Ticket {
        waiters.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // Acquire pairs with the release bump in `wakeWaiters()`: if we read a bumped epoch, the
        // change published before that notification is visible to our re-check.
        let ticket = Ticket(epoch: epoch.load(ordering: .acquiring))
        // Dekker fence (step 1 above): orders our `waiters` increment before the caller's
        // re-check against the notifier's publish-fence-load sequence.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return ticket
    }

    /// Deregisters a waiter whose re-check found the condition true.
    public func cancelWait() {
        // Relaxed: a stale non-zero count only costs a notifier one unnecessary broadcast.
        waiters.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Sleeps until a notification newer than `ticket`, the deadline, or a spurious wake-up.
    /// - Parameters:
    ///   - ticket: The ticket from ``prepareToWait()``; the call deregisters the waiter.
    ///   - deadline: When to give up, or `nil` to wait for a notification.
    /// - Returns: `false` if the deadline passed without a notification, otherwise `true`.
    @discardableResult
    public func wait(_ ticket: Ticket, deadline: MonotonicDeadline?) -> Bool {
        defer { cancelWait() }
        var notified = true
        unsafe pthread_mutex_lock(mutex)
        // Relaxed is enough under the mutex: `wakeWaiters()` bumps the epoch while holding it.
        while epoch.load(ordering: .relaxed) == ticket.epoch {
            parks.wrappingAdd(1, ordering: .relaxed)
            if let deadline {
                var time = deadline.cTimespec
                let result = unsafe pthread_cond_timedwait(condition, mutex, &time)
                if result == ETIMEDOUT {
                    notified = epoch.load(ordering: .relaxed) != ticket.epoch
                    break
                }
            } else {
                unsafe pthread_cond_wait(condition, mutex)
            }
        }
        unsafe pthread_mutex_unlock(mutex)
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

    /// ``wait(timeout:until:)`` with an absolute deadline.
    @discardableResult
    public func wait(deadline: MonotonicDeadline?, until condition: () -> Bool) -> Bool {
        let ticket = prepareToWait()
        if condition() {
            cancelWait()
            return true
        }
        return wait(ticket, deadline: deadline)
    }

    /// Wakes every waiter if there is one; call after publishing a change.
    ///
    /// Costs one sequentially consistent fence and a relaxed load when nobody waits.
    @inlinable
    public func notify() {
        // Dekker fence (step 1): orders the caller's publishing store before our read of
        // `waiters`, against the waiter's increment-fence-recheck sequence.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if _hasWaiters {
            wakeWaiters()
        }
    }

    /// Wakes every waiter unconditionally (used by `close()`).
    public func notifyAll() {
        wakeWaiters()
    }

    @usableFromInline
    var _hasWaiters: Bool {
        // Relaxed: ordered by the fence in `notify()`.
        waiters.load(ordering: .relaxed) > 0
    }

    @usableFromInline
    func wakeWaiters() {
        unsafe pthread_mutex_lock(mutex)
        // Release pairs with the acquire load in `prepareToWait()` (epoch step above).
        epoch.wrappingAdd(1, ordering: .releasing)
        unsafe pthread_mutex_unlock(mutex)
        unsafe pthread_cond_broadcast(condition)
    }

    /// How many times a thread has blocked in `pthread_cond_(timed)wait` on this parker.
    public var parkCount: Int { parks.load(ordering: .relaxed) }
}
