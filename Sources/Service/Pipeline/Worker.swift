import Platform
import RingBuffer
import Synchronization

/// A worker thread's loop: takes micro-batches from the consumers' rings, runs its processor, and
/// hands the outputs to the producer thread.
///
/// All input rings share one ``Parker``, so an idle worker sleeps until any ring gets a record.
/// Each worker starts its scan at a different ring and rotates, so no ring starves.
final class Worker: @unchecked Sendable {
    let index: Int
    private let rings: [SPMCRing<InputRecord>]
    private let parker: Parker
    private let results: MPSCRing<OutputRecord>
    private let budget: ByteBudget
    private let processor: any BatchProcessor
    private let maxBatch: Int
    private let batchSizes: BatchSizeHistogram
    private let scoringTimes: DurationHistogram

    init(
        index: Int,
        rings: [SPMCRing<InputRecord>],
        parker: Parker,
        results: MPSCRing<OutputRecord>,
        budget: ByteBudget,
        processor: any BatchProcessor,
        maxBatch: Int,
        batchSizes: BatchSizeHistogram,
        scoringTimes: DurationHistogram
    ) {
        self.index = index
        self.rings = rings
        self.parker = parker
        self.results = results
        self.budget = budget
        self.processor = processor
        self.maxBatch = maxBatch
        self.batchSizes = batchSizes
        self.scoringTimes = scoringTimes
    }

    /// Runs until every input ring is closed and drained; every taken record yields one output.
    func run() {
        var batch: [InputRecord] = []
        batch.reserveCapacity(maxBatch)
        var outputs: [OutputRecord] = []
        outputs.reserveCapacity(maxBatch)
        var start = index % rings.count
        while true {
            batch.removeAll(keepingCapacity: true)
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
            batchSizes.record(batch.count)
            outputs.removeAll(keepingCapacity: true)
            let started = MonotonicDeadline.now().nanoseconds
            processor.process(batch, into: &outputs)
            scoringTimes.record(nanoseconds: MonotonicDeadline.now().nanoseconds - started)
            precondition(outputs.count == batch.count, "a processor must answer every record exactly once")
            // The inputs are released here; their answers are held until the producer thread
            // hands them to librdkafka (a dead letter shares its input's value).
            let exchanged =
                outputs.reduce(0) { $0 + $1.heldBytes } - batch.reduce(0) { $0 + $1.message.heldBytes }
            budget.add(exchanged)
            for output in outputs {
                // Blocks while the producer thread is behind: back-pressure towards the pollers.
                guard results.push(output, timeout: nil) else { return }
            }
        }
    }
}

/// Counts micro-batch sizes in power-of-two buckets (1, 2-3, 4-7, ...), shared by all workers.
public final class BatchSizeHistogram: Sendable {
    private let buckets = Mutex<[Int]>(Array(repeating: 0, count: 16))

    init() {}

    func record(_ size: Int) {
        let bucket = min(15, Int.bitWidth - 1 - size.leadingZeroBitCount)
        buckets.withLock { $0[bucket] += 1 }
    }

    /// Batches per bucket: index `i` counts sizes in `2^i ..< 2^(i+1)`.
    public var counts: [Int] { buckets.withLock { $0 } }
}

/// Durations in power-of-two microsecond buckets (< 1 µs, 1-2 µs, 2-4 µs, ... up to about 1 s),
/// with their sum: the time each micro-batch spends in parsing, features and scoring. One lock
/// per micro-batch, like ``BatchSizeHistogram``: a few dozen nanoseconds against tens of
/// microseconds of work.
final class DurationHistogram: Sendable {
    static let bucketCount = 21
    private let state = Mutex<(buckets: [Int], sumNanoseconds: Int64)>(
        (Array(repeating: 0, count: DurationHistogram.bucketCount), 0)
    )

    init() {}

    func record(nanoseconds: Int64) {
        let microseconds = max(0, nanoseconds / 1_000)
        let bucket =
            microseconds == 0 ? 0 : min(Self.bucketCount - 1, Int64.bitWidth - microseconds.leadingZeroBitCount)
        state.withLock { state in
            state.buckets[bucket] += 1
            state.sumNanoseconds += nanoseconds
        }
    }

    /// Counts per bucket: index 0 is under 1 µs, index `i` is `2^(i-1) ..< 2^i` µs (the last is open).
    var counts: [Int] { state.withLock { $0.buckets } }
    var sumSeconds: Double { Double(state.withLock { $0.sumNanoseconds }) / 1e9 }
}
