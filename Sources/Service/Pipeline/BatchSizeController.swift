/// Chooses the workers' micro-batch size under a latency budget, one window at a time: a pure
/// value, driven by ``LatencyBudgetLoop`` every ``LatencyBudgetLoop/window`` and by tests with
/// made-up observations.
///
/// Each window it sees the p99 of receipt-to-hand-off latency over that window only, and how the
/// backlog (records waiting for a worker in the input rings) moved. Then:
///
/// - **Grow** (by half, at least one, up to ``Parameters/maximum``), once the size has not changed
///   for ``Parameters/dwellWindows`` windows, when the backlog is growing, or when it stands (more
///   than one batch waiting, or the batches taken full; not shrinking) and the p99 is above
///   ``Parameters/shrinkAbove`` of the budget. The workers are not keeping up, or only just, and bigger batches cost less per
///   record. Under the budget the latency a bigger batch adds is affordable; over it, the queue
///   makes the latency, and only more throughput shortens it (a smaller batch would drain it
///   slower).
/// - **Shrink** (halve, down to ``Parameters/minimum``) when the backlog is not growing, at most
///   one batch waits, the batches taken were not full, and the p99 is above ``Parameters/shrinkAbove`` of the budget: no queue
///   explains the p99, so the batch (or the transport) is what is late, and a smaller batch is
///   answered sooner.
/// - **Hold** otherwise: the p99 under `shrinkAbove` with a backlog not growing (the size fits); a
///   queue of more than a batch that is shrinking (it drains at this size: its wait, not the
///   batch, makes the p99); and a window with no answers (nothing to judge by).
///
/// No oscillation on a steady load: growth stops at the first size whose throughput matches the
/// arrivals (the backlog then stops growing); between that and `shrinkAbove` of the budget nothing
/// changes (the hysteresis band); decrease is multiplicative and immediate, increase stepped and
/// only after the dwell. When no size both keeps up and meets the budget, keeping up wins.
package struct BatchSizeController: Sendable, Equatable {
    package struct Parameters: Sendable, Equatable {
        /// The p99 the workers aim to stay under, in nanoseconds.
        package var budgetNanoseconds: Int64
        /// The smallest size; the size starts here.
        package var minimum = 1
        /// The largest size: `max-batch`.
        package var maximum: Int
        /// Fraction of the budget above which the size shrinks.
        package var shrinkAbove = 0.8
        /// Windows the size stays unchanged before it may grow again.
        package var dwellWindows = 2

        package init(budgetNanoseconds: Int64, maximum: Int) {
            precondition(budgetNanoseconds > 0 && maximum >= 1, "a positive budget and maximum")
            self.budgetNanoseconds = budgetNanoseconds
            self.maximum = maximum
        }
    }

    /// How the backlog moved over a window.
    package enum BacklogTrend: Sendable, Equatable {
        case growing, steady, shrinking
    }

    /// What one window measured.
    package struct Observation: Sendable, Equatable {
        /// The window's p99 in nanoseconds; nil when nothing was answered in it.
        package var p99Nanoseconds: Int64?
        package var backlog: BacklogTrend
        /// Records waiting for a worker, on average over the window.
        package var waiting: Double
        /// Whether the batches taken in the window were (nearly) all of the full size: records
        /// were waiting beyond each batch even when the rings' mean depth is low (a fetch's
        /// records arrive together and are taken at once).
        package var batchesFull: Bool

        package init(p99Nanoseconds: Int64?, backlog: BacklogTrend, waiting: Double, batchesFull: Bool = false) {
            self.p99Nanoseconds = p99Nanoseconds
            self.backlog = backlog
            self.waiting = waiting
            self.batchesFull = batchesFull
        }
    }

    package let parameters: Parameters
    /// The size workers should take now.
    package private(set) var size: Int
    /// Windows since the size last changed.
    private var unchangedWindows: Int

    package init(parameters: Parameters) {
        self.parameters = parameters
        size = min(parameters.minimum, parameters.maximum)
        unchangedWindows = parameters.dwellWindows
    }

    /// Takes one window's observation and returns the size for the next window.
    @discardableResult
    package mutating func next(_ observation: Observation) -> Int {
        let previous = size
        if let p99 = observation.p99Nanoseconds {
            let lowest = min(parameters.minimum, parameters.maximum)
            let late = Double(p99) > parameters.shrinkAbove * Double(parameters.budgetNanoseconds)
            let queued = observation.waiting > Double(size) || observation.batchesFull
            let standing = late && queued && observation.backlog == .steady
            if observation.backlog == .growing || standing {
                if unchangedWindows >= parameters.dwellWindows {
                    size = min(parameters.maximum, max(size + 1, size + size / 2))
                }
            } else if late && !queued {
                size = max(lowest, size / 2)
            }
        }
        unchangedWindows = size == previous ? unchangedWindows + 1 : 0
        return size
    }
}

extension BatchSizeController.BacklogTrend {
    /// The trend between two windows' mean backlogs: a change of at most `noise` records is steady
    /// (a poller pushes whole fetches, so the depth jumps by a fetch from one sample to the next).
    /// The margin is absolute, not a fraction of the backlog, so a queue that grows slowly but
    /// without end still counts as growing. Partitions paused for back-pressure in the window count
    /// as growing whatever the depth: the backlog then grows at the broker, out of sight of the
    /// rings, which sit full.
    ///
    /// - Parameters:
    ///   - previous: The earlier window's mean backlog.
    ///   - current: This window's.
    ///   - noise: The largest change that does not count.
    ///   - paused: Whether a poller paused for back-pressure in this window.
    package init(previous: Double, current: Double, noise: Double, paused: Bool) {
        if paused || current > previous + noise {
            self = .growing
        } else if current < previous - noise {
            self = .shrinking
        } else {
            self = .steady
        }
    }
}
