import Demo
import Foundation

/// `e2e-bench budget`: every configuration through the same steps, the figures per step, the
/// comparison at the top rate, and the chart.
@MainActor func runBudget() throws {
    let bench = BudgetRun(
        steps: budgetSteps.map { DemoRunner.RateStep(rate: $0, seconds: stepSeconds) },
        partitions: latencyPartitions,
        workers: workers,
        model: model,
        brokers: brokers
    )
    let bound = fixedBatches.max() ?? maxBatch
    let configurations =
        [
            BudgetRun.Configuration(
                name: "budget \(Chart.short(budgetMilliseconds)) ms, max-batch \(bound)",
                maxBatch: bound,
                budgetMilliseconds: budgetMilliseconds
            )
        ]
        + fixedBatches.map {
            BudgetRun.Configuration(name: "fixed max-batch \($0)", maxBatch: $0, budgetMilliseconds: nil)
        }
    var runs: [(name: String, intervals: [DemoRunner.Interval])] = []
    var section: [String: Any] = [
        "budget_ms": budgetMilliseconds, "step_seconds": stepSeconds, "steps": budgetSteps,
        "fixed_batches": fixedBatches,
    ]
    var topRates: [String: Double] = [:]
    let top = budgetSteps.firstIndex(of: 0) ?? budgetSteps.indices.max { budgetSteps[$0] < budgetSteps[$1] } ?? 0
    for configuration in configurations {
        let (intervals, summary) = try bench.run(configuration, logger: logger)
        runs.append((configuration.name, intervals))
        print("budget run: \(configuration.name)")
        print("  step offered/s  sent/s  answered/s  target  service p99 ms  end-to-end p99 ms")
        var rows: [[String: Any]] = []
        for (index, step) in bench.figures(intervals).enumerated() {
            print(
                String(
                    format: "  %2ld %9@ %7.0f %10.0f %7ld %14@ %18@",
                    index + 1,
                    step.rate == 0 ? "max" : Chart.short(step.rate),
                    step.offered,
                    step.achieved,
                    step.medianTarget,
                    step.serviceP99Milliseconds.map { String(format: "%.2f", $0) } ?? "-",
                    step.endToEndP99Milliseconds.map { String(format: "%.1f", $0) } ?? "-"
                )
            )
            rows.append([
                "rate": step.rate, "offered": step.offered, "achieved": step.achieved,
                "median_target": step.medianTarget,
                "service_p99_ms": step.serviceP99Milliseconds ?? NSNull(),
                "end_to_end_p99_ms": step.endToEndP99Milliseconds ?? NSNull(),
            ])
            if index == top { topRates[configuration.name] = step.achieved }
        }
        let peak = intervals.map(\.answered).max() ?? 0
        print(
            "  peak answered in one second: \(peak)/s; sent \(summary.sent), lost \(summary.lost), duplicates \(summary.duplicates)"
        )
        section[configuration.name] = [
            "steps": rows, "peak_answered_per_s": peak, "sent": summary.sent, "lost": summary.lost,
            "duplicates": summary.duplicates,
            "seconds": intervals.map {
                [
                    "second": $0.second, "sent": $0.sent, "answered": $0.answered, "target": $0.batchTargetSize,
                    "service_p99_ns": $0.serviceP99Nanoseconds ?? -1,
                    "end_to_end_p99_ns": $0.endToEndP99Nanoseconds ?? -1,
                ]
            },
        ]
    }
    if let adaptive = configurations.first.flatMap({ topRates[$0.name] }),
        let best = configurations.dropFirst().compactMap({ topRates[$0.name] }).max(), best > 0
    {
        section["top_step_adaptive_over_best_fixed"] = adaptive / best
        print(String(format: "top step: budget %.0f/s, best fixed %.0f/s, ratio %.2f", adaptive, best, adaptive / best))
    }
    report["latency_budget"] = section
    if let budgetSVGPath {
        let title =
            "latency budget \(Chart.short(budgetMilliseconds)) ms against fixed batches, stepped open-loop rate, \(brokers.map { "cluster \($0)" } ?? "embedded broker")"
        try BudgetChart(title: title, budgetMilliseconds: budgetMilliseconds, runs: runs).svg()
            .write(toFile: budgetSVGPath, atomically: true, encoding: .utf8)
        print("wrote \(budgetSVGPath)")
    }
}
