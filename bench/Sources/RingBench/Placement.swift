import Platform
import RingBuffer

/// Where the harness puts threads.
struct Placement {
    var pin: Bool
    var cpus: CPUSet

    /// The CPU for the `index`-th thread, or `nil` when not pinning: thread 0 (the producer)
    /// gets the first allowed CPU to itself, the others share the rest round-robin (on this
    /// 2-CPU box: both consumers on the second CPU).
    func cpu(_ index: Int) -> Int? {
        guard pin else { return nil }
        guard index > 0, cpus.count > 1 else { return cpus.cpus[0] }
        return cpus.cpus[1 + (index - 1) % (cpus.count - 1)]
    }
}
