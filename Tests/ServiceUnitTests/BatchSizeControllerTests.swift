import Service
import Testing

/// The latency budget's batch-size controller, driven with made-up windows and with a simulated
/// pipeline whose latency depends on the batch size and the arrival rate.
@Suite struct BatchSizeControllerTests {
    static let budget: Int64 = 10_000_000
    static let parameters = BatchSizeController.Parameters(budgetNanoseconds: budget, maximum: 256)

    static func window(
        p99Milliseconds: Double?,
        _ backlog: BatchSizeController.BacklogTrend,
        waiting: Double = 0
    ) -> BatchSizeController.Observation {
        .init(p99Nanoseconds: p99Milliseconds.map { Int64($0 * 1e6) }, backlog: backlog, waiting: waiting)
    }

    @Test func growsUnderTheBudgetWhileTheBacklogGrows() {
        var controller = BatchSizeController(parameters: Self.parameters)
        #expect(controller.size == 1)
        var sizes: [Int] = []
        for _ in 0..<12 { sizes.append(controller.next(Self.window(p99Milliseconds: 2, .growing, waiting: 500))) }
        #expect(sizes == sizes.sorted(), "never smaller while the backlog grows: \(sizes)")
        #expect(sizes.last! >= 6, "\(sizes)")
    }

    @Test func doesNotGrowWhenTheBacklogIsNotGrowing() {
        var controller = BatchSizeController(parameters: Self.parameters)
        for _ in 0..<20 {
            controller.next(Self.window(p99Milliseconds: 1, .steady, waiting: 3))
            controller.next(Self.window(p99Milliseconds: 1, .shrinking, waiting: 0))
            controller.next(Self.window(p99Milliseconds: nil, .growing))
        }
        #expect(controller.size == 1)
    }

    @Test func shrinksWhenTheP99NearsTheBudgetWithoutAQueue() {
        var controller = BatchSizeController(parameters: Self.parameters)
        for _ in 0..<30 { controller.next(Self.window(p99Milliseconds: 1, .growing, waiting: 1_000)) }
        let grown = controller.size
        #expect(grown > 16)
        // 8.5 ms is above 80% of the 10 ms budget, with less than one batch waiting.
        #expect(controller.next(Self.window(p99Milliseconds: 8.5, .steady, waiting: 2)) == grown / 2)
        // Below 80%: the hysteresis band, nothing changes.
        #expect(controller.next(Self.window(p99Milliseconds: 7.5, .steady, waiting: 2)) == grown / 2)
    }

    @Test func growsOnAStandingQueueOverTheBudget() {
        var controller = BatchSizeController(parameters: Self.parameters)
        for _ in 0..<9 { controller.next(Self.window(p99Milliseconds: 40, .steady, waiting: 300)) }
        #expect(controller.size == 4, "1, 2, 3, 4: one step per dwell")
        for _ in 0..<9 { controller.next(Self.window(p99Milliseconds: 5, .steady, waiting: 300)) }
        #expect(controller.size == 4, "under 80% of the budget a standing queue is affordable")
    }

    @Test func fullBatchesOverTheBudgetCountAsAQueueAndGrowInsteadOfShrinking() {
        var controller = BatchSizeController(parameters: Self.parameters)
        for _ in 0..<9 { controller.next(Self.window(p99Milliseconds: 1, .growing, waiting: 100)) }
        #expect(controller.size == 4)
        // The rings' mean depth is under one batch, but every batch taken was full.
        let full = BatchSizeController.Observation(
            p99Nanoseconds: 20_000_000,
            backlog: .steady,
            waiting: 2,
            batchesFull: true
        )
        for _ in 0..<3 { controller.next(full) }
        #expect(controller.size == 6)
        let notFull = BatchSizeController.Observation(p99Nanoseconds: 20_000_000, backlog: .steady, waiting: 2)
        #expect(controller.next(notFull) == 3)
    }

    @Test func holdsWhileAQueueDrainsEvenOverTheBudget() {
        var controller = BatchSizeController(parameters: Self.parameters)
        for _ in 0..<30 { controller.next(Self.window(p99Milliseconds: 1, .growing, waiting: 1_000)) }
        let grown = controller.size
        for _ in 0..<10 { controller.next(Self.window(p99Milliseconds: 40, .shrinking, waiting: 5_000)) }
        #expect(controller.size == grown)
    }

    static func controller(minimum: Int, maximum: Int) -> BatchSizeController {
        var parameters = Self.parameters
        parameters.minimum = minimum
        parameters.maximum = maximum
        return BatchSizeController(parameters: parameters)
    }

    @Test func staysWithinItsBounds() {
        var controller = Self.controller(minimum: 4, maximum: 100)
        #expect(controller.size == 4)
        for _ in 0..<100 { controller.next(Self.window(p99Milliseconds: 50, .growing, waiting: 9_000)) }
        #expect(controller.size == 100)
        for _ in 0..<100 { controller.next(Self.window(p99Milliseconds: 50, .steady, waiting: 0)) }
        #expect(controller.size == 4)
    }

    @Test func aMaximumBelowTheMinimumWins() {
        var controller = Self.controller(minimum: 8, maximum: 2)
        #expect(controller.size == 2)
        for _ in 0..<10 { controller.next(Self.window(p99Milliseconds: 1, .growing, waiting: 100)) }
        #expect(controller.size == 2)
    }

    @Test(arguments: [5_000.0, 50_000.0, 120_000.0])
    func settlesOnASteadyLoadWithoutOscillating(rate: Double) {
        var plant = SimulatedPipeline(rate: rate)
        var controller = BatchSizeController(parameters: Self.parameters)
        var sizes: [Int] = []
        var lastBacklog = 0.0
        for _ in 0..<600 {
            let (p99, backlog) = plant.window(size: controller.size)
            let trend = BatchSizeController.BacklogTrend(
                previous: lastBacklog,
                current: backlog,
                noise: Double(controller.size),
                paused: false
            )
            lastBacklog = backlog
            sizes.append(controller.next(.init(p99Nanoseconds: p99, backlog: trend, waiting: backlog)))
        }
        let settled = sizes.suffix(200)
        #expect(Set(settled).count == 1, "settled: \(Set(settled).sorted())")
        let size = settled.first!
        #expect(plant.capacity(size: size) >= rate, "keeps up at \(size)")
        #expect(plant.latency(size: size, backlog: 0) < Double(Self.budget) * 0.8, "within the budget at \(size)")
        let steps = zip(sizes, sizes.dropFirst()).map { $1 - $0 }.filter { $0 != 0 }
        let reversals = zip(steps, steps.dropFirst()).filter { ($0 > 0) != ($1 > 0) }.count
        #expect(reversals <= 2, "direction changes: \(steps)")
    }

    @Test func classifiesTheBacklogTrendAboveItsNoise() {
        typealias Trend = BatchSizeController.BacklogTrend
        #expect(Trend(previous: 10, current: 30, noise: 4, paused: false) == .growing)
        #expect(Trend(previous: 10, current: 13, noise: 4, paused: false) == .steady)
        #expect(Trend(previous: 10_000, current: 10_050, noise: 4, paused: false) == .growing, "absolute margin")
        #expect(Trend(previous: 1_000, current: 700, noise: 4, paused: false) == .shrinking)
        #expect(Trend(previous: 8_000, current: 8_000, noise: 4, paused: true) == .growing, "paused: growing upstream")
    }
}

/// A pipeline of two workers where a batch of `n` costs 200 µs plus 5 µs per record, requests
/// arrive at `rate`, and the p99 is the transport's 1 ms, one batch's time, and the queue's wait.
struct SimulatedPipeline {
    var rate: Double
    var backlog = 0.0
    let window = 0.1

    func capacity(size: Int) -> Double { 2 * Double(size) / (200e-6 + 5e-6 * Double(size)) }

    func latency(size: Int, backlog: Double) -> Double {
        (1e-3 + 200e-6 + 5e-6 * Double(size) + backlog / capacity(size: size)) * 1e9
    }

    /// One window at `size`: its p99 in nanoseconds and the backlog at its end.
    mutating func window(size: Int) -> (Int64, Double) {
        backlog = max(0, backlog + (rate - capacity(size: size)) * window)
        return (Int64(latency(size: size, backlog: backlog)), backlog)
    }
}
