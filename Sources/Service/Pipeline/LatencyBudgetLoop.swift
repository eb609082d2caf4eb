import Platform

/// The thread that sizes micro-batches under `latency-budget-ms`: every ``sample`` it adds the
/// backlog to the window's mean; every ``window`` it asks a ``BatchSizeController`` for the next
/// size, from the window's p99 and the backlog's trend, and stores it in the ``BatchTarget`` the
/// workers read.
///
/// The p99 is the window's own: the difference of two snapshots of the pipeline's cumulative
/// receipt-to-hand-off histogram (``AtomicHistogram/Snapshot/quantile(_:since:upperBounds:)``), so
/// a burst an hour ago does not hold the size down now, and nothing is reset under the metrics
/// flush. Controller, snapshots and means live on this thread only; the target is the one thing
/// shared (its memory-ordering argument is on ``BatchTarget``).
final class LatencyBudgetLoop: Sendable {
    /// How often the size is decided: long enough for a p99 over a few hundred answers at
    /// moderate rates, short enough to react within a fraction of a second.
    static let window = Duration.milliseconds(100)
    /// How often the backlog is sampled for the window's mean: ring depth jumps by a whole fetch.
    static let sample = Duration.milliseconds(10)

    /// Backlog changes (records, window means) below which the trend is steady, or one batch if
    /// larger: a window's ten samples of a depth that jumps by a fetch at a time move this much at
    /// a constant rate.
    static let backlogNoise = 8

    /// What the loop reads from the pipeline, each call from the loop's thread.
    struct Inputs: Sendable {
        /// Receipt-to-hand-off latency, cumulative.
        var latency: AtomicHistogram
        /// Records waiting for a worker (the input rings' depth).
        var backlog: @Sendable () -> Int
        /// Records per micro-batch taken, cumulative.
        var batchSizes: AtomicHistogram
        /// Back-pressure pauses so far (a counter).
        var pauses: @Sendable () -> Int
    }

    private let parameters: BatchSizeController.Parameters
    private let target: BatchTarget
    private let inputs: Inputs
    private let thread = StoppableThread()

    init(parameters: BatchSizeController.Parameters, target: BatchTarget, inputs: Inputs) {
        self.parameters = parameters
        self.target = target
        self.inputs = inputs
    }

    func start() throws(ServiceError) {
        do {
            try thread.start(name: "batch-budget") { [self] in run() }
        } catch {
            throw .startup("cannot start the batch-budget thread: \(error)")
        }
    }

    func stop() { thread.stop() }

    private func run() {
        var controller = BatchSizeController(parameters: parameters)
        target.set(controller.size)
        var lastSnapshot = inputs.latency.snapshot()
        var lastBatches = inputs.batchSizes.snapshot()
        var lastPauses = inputs.pauses()
        var lastMean: Double?
        while !thread.isStopping {
            let windowEnd = MonotonicDeadline.after(Self.window)
            var total = 0
            var samples = 0
            while !windowEnd.hasPassed && !thread.isStopping {
                total += inputs.backlog()
                samples += 1
                sleepThread(for: Self.sample)
            }
            let mean = Double(total) / Double(max(1, samples))
            let snapshot = inputs.latency.snapshot()
            let pauses = inputs.pauses()
            let batches = inputs.batchSizes.snapshot()
            let taken = batches.count - lastBatches.count
            // Nearly every batch full: a mean taken of at least nine tenths of the size. At size 1
            // every batch is full, which says nothing about what else was waiting.
            let full =
                controller.size > 1 && taken > 0
                && Double(batches.sum - lastBatches.sum) / Double(taken) >= 0.9 * Double(controller.size)
            let p99 = snapshot.quantile(0.99, since: lastSnapshot, upperBounds: inputs.latency.upperBounds)
            let trend = BatchSizeController.BacklogTrend(
                previous: lastMean ?? mean,
                current: mean,
                noise: Double(max(Self.backlogNoise, controller.size)),
                paused: pauses > lastPauses
            )
            target.set(controller.next(.init(p99Nanoseconds: p99, backlog: trend, waiting: mean, batchesFull: full)))
            if let p99 { target.setLastWindowP99(p99) }
            lastSnapshot = snapshot
            lastPauses = pauses
            lastBatches = batches
            lastMean = mean
        }
    }
}
