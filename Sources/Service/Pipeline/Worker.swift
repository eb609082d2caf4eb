import Platform
import RingBuffer

/// A worker thread's loop: takes micro-batches from the consumers' rings, runs its processor, and
/// hands the outputs to the producer thread.
///
/// A batch is what is waiting, up to the size in the shared ``BatchTarget`` (read once per batch:
/// `max-batch`, or what `latency-budget-ms` chose); a worker never waits to fill one.
///
/// All input rings share one ``Parker``, so an idle worker sleeps until any ring gets a record.
/// Each worker starts its scan at a different ring and rotates, so no ring starves.
final class Worker: @unchecked Sendable {
    let index: Int
    private let rings: [SPMCRing<InputRecord>]
    private let parker: Parker
    private let results: MPSCRing<OutputRecord>
    private let budget: ByteBudget
    let processor: any BatchProcessor
    /// The batch size to take, read once per batch (`max-batch`, or the latency budget's choice).
    private let target: BatchTarget
    private let batchSizes: AtomicHistogram
    private let scoringTimes: AtomicHistogram

    init(
        index: Int,
        rings: [SPMCRing<InputRecord>],
        parker: Parker,
        results: MPSCRing<OutputRecord>,
        budget: ByteBudget,
        processor: any BatchProcessor,
        target: BatchTarget,
        batchSizes: AtomicHistogram,
        scoringTimes: AtomicHistogram
    ) {
        self.index = index
        self.rings = rings
        self.parker = parker
        self.results = results
        self.budget = budget
        self.processor = processor
        self.target = target
        self.batchSizes = batchSizes
        self.scoringTimes = scoringTimes
    }

    /// Runs until every input ring is closed and drained; every taken record yields one output.
    func run() {
        var batch: [InputRecord] = []
        batch.reserveCapacity(target.maximum)
        var outputs: [OutputRecord] = []
        outputs.reserveCapacity(target.maximum)
        var start = index % rings.count
        while true {
            batch.removeAll(keepingCapacity: true)
            let maxBatch = target.current
            for step in 0..<rings.count where batch.count < maxBatch {
                rings[(start + step) % rings.count].tryTakeBatch(max: maxBatch - batch.count, into: &batch)
            }
            start = (start + 1) % rings.count
            if batch.isEmpty {
                if rings.allSatisfy({ $0.isClosed && $0.isEmpty }) { return }
                parker.wait(timeout: .milliseconds(50)) {
                    rings.contains { !$0.isEmpty || $0.isClosed }
                }
                continue
            }
            batchSizes.record(Int64(batch.count))
            outputs.removeAll(keepingCapacity: true)
            let started = MonotonicDeadline.now().nanoseconds
            processor.process(batch, into: &outputs)
            scoringTimes.record(MonotonicDeadline.now().nanoseconds - started)
            precondition(outputs.count == batch.count, "a processor must answer every record exactly once")
            // The inputs are released here; their answers are held until the producer thread
            // hands them to librdkafka (a dead letter shares its input's value).
            let exchanged =
                outputs.reduce(0) { $0 + $1.heldBytes } - batch.reduce(0) { $0 + $1.message.heldBytes }
            budget.add(exchanged)
            // One claim and one wake-up per batch; blocks while the producer thread is behind:
            // back-pressure towards the pollers.
            guard results.push(contentsOf: outputs, timeout: nil) else { return }
        }
    }
}
