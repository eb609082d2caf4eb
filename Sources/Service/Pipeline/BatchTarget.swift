import Synchronization

/// The micro-batch size the workers take, shared between the thread that chooses it
/// (``LatencyBudgetLoop``, under `latency-budget-ms`) and every worker, which reads it once per
/// batch. Without a budget it stays at `max-batch`.
///
/// Memory ordering: relaxed loads and stores. The size is a self-contained hint that publishes no
/// other memory: a worker that reads a stale size takes one batch of the old size, which is always
/// a valid size (clamped to 1...`max-batch`, the bound every worker's buffers were sized for), and
/// reads the new one at its next batch; an `Int` load is never torn. The window's p99 is a
/// statistic read by the metrics flush, under the same argument.
final class BatchTarget: Sendable {
    /// The largest size: `max-batch`.
    let maximum: Int
    private let size: Atomic<Int>
    private let windowP99 = Atomic<Int64>(-1)

    init(maximum: Int, initial: Int) {
        precondition(maximum >= 1, "max-batch is positive")
        self.maximum = maximum
        size = Atomic(min(maximum, max(1, initial)))
    }

    /// The size a worker takes now, in 1...``maximum``.
    var current: Int { size.load(ordering: .relaxed) }

    /// Sets the size (clamped to 1...``maximum``).
    func set(_ newSize: Int) {
        size.store(min(maximum, max(1, newSize)), ordering: .relaxed)
    }

    /// The last window's p99 of receipt-to-hand-off latency in nanoseconds; nil before the first
    /// window with answers, and without a budget.
    var lastWindowP99: Int64? {
        let value = windowP99.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    func setLastWindowP99(_ nanoseconds: Int64) {
        windowP99.store(max(0, nanoseconds), ordering: .relaxed)
    }
}
