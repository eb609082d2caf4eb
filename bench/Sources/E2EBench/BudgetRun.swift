import Demo
import Foundation
import Logging

/// `e2e-bench budget`: one open-loop run that steps the offered rate up to the broker's ceiling
/// and back down, for the service under `--latency-budget-ms` and for fixed micro-batch sizes, in
/// the same invocation; per second: offered and achieved rate, the batch target size, the service's
/// p99 (receipt to hand-off, what the budget governs) and the end-to-end p99.
struct BudgetRun {
    struct Configuration {
        var name: String
        var maxBatch: Int
        var budgetMilliseconds: Double?
    }

    /// One step's figures for one configuration.
    struct StepFigures {
        var rate: Double
        var offered: Double
        var achieved: Double
        var medianTarget: Int
        var serviceP99Milliseconds: Double?
        var endToEndP99Milliseconds: Double?
    }

    var steps: [DemoRunner.RateStep]
    var partitions: Int32
    var workers: Int?
    var model: String
    var brokers: String?

    /// Runs `configuration` through the steps and returns its seconds and the run's summary (sent,
    /// lost: unanswered after the drain).
    func run(
        _ configuration: Configuration,
        logger: Logger
    ) throws -> (intervals: [DemoRunner.Interval], summary: DemoRunner.Summary) {
        var options = DemoRunner.Options()
        options.rateSteps = steps
        options.partitions = partitions
        options.workers = workers
        options.maxBatch = configuration.maxBatch
        options.latencyBudgetMilliseconds = configuration.budgetMilliseconds
        options.model = model
        options.brokers = brokers
        options.drainSeconds = 20
        let intervals = IntervalLog()
        options.intervalSink = { intervals.append($0) }
        let summary = try DemoRunner(options: options, logger: logger).run { _ in }
        return (intervals.all, summary)
    }

    /// The seconds of each step: second `s` covers `(s - 1, s]` since sending started, so it
    /// belongs to the step running at `s - 0.5`.
    func figures(_ intervals: [DemoRunner.Interval]) -> [StepFigures] {
        var ends: [Double] = []
        for step in steps { ends.append((ends.last ?? 0) + step.seconds) }
        return steps.indices.map { index in
            let start = index == 0 ? 0 : ends[index - 1]
            let seconds = intervals.filter { Double($0.second) - 0.5 >= start && Double($0.second) - 0.5 < ends[index] }
            let count = Double(max(1, seconds.count))
            let targets = seconds.map(\.batchTargetSize).sorted()
            return StepFigures(
                rate: steps[index].rate,
                offered: Double(seconds.map(\.sent).reduce(0, +)) / count,
                achieved: Double(seconds.map(\.answered).reduce(0, +)) / count,
                medianTarget: targets.isEmpty ? 0 : targets[targets.count / 2],
                serviceP99Milliseconds: seconds.compactMap(\.serviceP99Nanoseconds).max().map { Double($0) / 1e6 },
                endToEndP99Milliseconds: seconds.compactMap(\.endToEndP99Nanoseconds).max().map { Double($0) / 1e6 }
            )
        }
    }
}

/// The status loop's seconds, collected from its thread.
///
/// `@unchecked Sendable`: the array is only touched under `lock` (a lock, not an actor: the sink is
/// called synchronously on the runner's thread).
final class IntervalLog: @unchecked Sendable {
    private let lock = NSLock()
    private var intervals: [DemoRunner.Interval] = []

    func append(_ interval: DemoRunner.Interval) {
        lock.lock()
        defer { lock.unlock() }
        intervals.append(interval)
    }

    var all: [DemoRunner.Interval] {
        lock.lock()
        defer { lock.unlock() }
        return intervals
    }
}
