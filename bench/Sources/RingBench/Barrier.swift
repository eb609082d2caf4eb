import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A start barrier so that the clock starts only when every thread is running.
final class Barrier: Sendable {
    private let arrived = Atomic<Int>(0)
    private let parties: Int

    init(parties: Int) {
        self.parties = parties
    }

    func arriveAndWait() {
        // Acquire-release: only aligns start times; nothing is published through it.
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < parties {
            sched_yield()
        }
    }
}
