import Platform
import RingBuffer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Whether the long stress mode is on (`RINGBUFFER_LONG_TESTS=1`, like ATO's
/// `SWIFT_ATOMICS_LONG_TESTS`): at least 10^8 transfers in total instead of a few hundred thousand.
let longTestsEnabled: Bool = {
    guard let value = unsafe getenv("RINGBUFFER_LONG_TESTS") else { return false }
    return unsafe String(cString: value) == "1"
}()

/// Spinning start barrier: every thread arrives, then all leave together, so the stress
/// really overlaps producers and consumers.
final class StartBarrier: Sendable {
    private let arrived = Atomic<Int>(0)
    private let parties: Int

    init(parties: Int) {
        self.parties = parties
    }

    func arriveAndWait() {
        // Acquire-release: nothing is published through the barrier; it only aligns start times.
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < parties {
            sched_yield()
        }
    }
}

/// A result slot a thread fills once before it ends and the test reads after `join()`.
final class Collected<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ initial: Value) {
        storage = Mutex(initial)
    }

    func set(_ value: sending Value) {
        storage.withLock { $0 = value }
    }

    var value: Value { storage.withLock { $0 } }
}

/// CPU seconds the calling thread has used (user + system), from `getrusage(RUSAGE_THREAD)`.
func threadCPUSeconds() -> Double {
    var usage = rusage()
    unsafe getrusage(__rusage_who_t(1), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
}

/// Starts an unpinned test thread.
func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws -> PinnedThread {
    try PinnedThread(name: name, cpu: nil, body: body)
}

/// Monotonic seconds, for elapsed-time checks.
func monotonicSeconds() -> Double {
    Double(MonotonicDeadline.now().nanoseconds) / 1e9
}
