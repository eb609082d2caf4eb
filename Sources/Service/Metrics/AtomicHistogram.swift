import Synchronization

/// A histogram over fixed integer bucket bounds that any thread records into without a lock: the
/// pipeline's hot-path statistics (latency per answer, size and time per micro-batch).
///
/// Bucket `i` counts values `v` with `upperBounds[i - 1] < v <= upperBounds[i]` (Prometheus's
/// `le` semantics); the last bucket, past the final bound, is `+Inf`. Each bucket keeps its count
/// and the exact sum of its values, so a reader can replay a bucket's observations at their mean
/// without moving any of them to another bucket or changing the sum (``Snapshot/replay(since:_:)``).
///
///     let latency = AtomicHistogram(upperBounds: [100_000, 250_000, 500_000])
///     latency.record(180_000)  // any thread
///     let now = latency.snapshot()  // any thread
///
/// ### Implementation Notes
///
/// Each bucket is one double-word `Atomic<WordPair>` (count, sum) changed by a relaxed
/// compare-and-exchange: a reader never sees an observation's count without its value, which the
/// mean replay relies on. Separate count and sum words would need an ordering pair and still let a
/// reader see one without the other. Relaxed is enough: buckets are independent statistics and
/// order no other memory. A snapshot reads the buckets one after another, so it may include an
/// observation in one bucket and not a simultaneous one in another; the next snapshot has both.
///
/// The buckets sit inline in the object (at most ``maxBuckets``), so recording touches no array
/// storage but the bounds', and the CAS is uncontended on the producer thread (its only writer for
/// latency). Cost per record: one double-word load and one double-word CAS, about what the
/// uncontended lock and unlock of the mutex it replaced cost, without the chance of a reader
/// holding the lock.
public final class AtomicHistogram: Sendable {
    /// The most buckets a histogram may have, `+Inf` included.
    public static let maxBuckets = 24

    /// The finite upper bounds, ascending; one more bucket above the last holds larger values.
    public let upperBounds: [Int64]
    private let buckets: InlineArray<24, Atomic<WordPair>>

    /// Creates an empty histogram.
    ///
    /// - Parameter upperBounds: Strictly ascending, non-negative, fewer than ``maxBuckets``.
    public init(upperBounds: [Int64]) {
        precondition(upperBounds.count < Self.maxBuckets, "at most \(Self.maxBuckets - 1) finite bounds")
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        precondition(upperBounds.first.map { $0 >= 0 } ?? true, "bounds must not be negative")
        self.upperBounds = upperBounds
        buckets = InlineArray { _ in Atomic(WordPair(first: 0, second: 0)) }
    }

    /// Counts `value` (negative values count as 0) in its bucket.
    public func record(_ value: Int64) {
        let value = max(0, value)
        let index = bucket(of: value)
        var expected = buckets[index].load(ordering: .relaxed)
        while true {
            let desired = WordPair(first: expected.first &+ 1, second: expected.second &+ UInt(value))
            let (exchanged, original) = buckets[index].compareExchange(
                expected: expected,
                desired: desired,
                ordering: .relaxed
            )
            if exchanged { return }
            expected = original
        }
    }

    /// The counts and sums so far.
    public func snapshot() -> Snapshot {
        var snapshot = Snapshot(bucketCount: upperBounds.count + 1)
        for index in 0...upperBounds.count {
            let pair = buckets[index].load(ordering: .relaxed)
            snapshot.counts[index] = Int(pair.first)
            snapshot.sums[index] = Int64(pair.second)
        }
        return snapshot
    }

    /// The bucket `value` falls in: the first whose bound is at least `value`. A linear scan: the
    /// histograms have at most two dozen bounds and most values fall in the first few.
    func bucket(of value: Int64) -> Int {
        var index = 0
        while index < upperBounds.count && value > upperBounds[index] { index += 1 }
        return index
    }
}

extension AtomicHistogram {
    /// Counts and sums per bucket at one moment; the last bucket is `+Inf`.
    public struct Snapshot: Sendable, Equatable {
        public var counts: [Int]
        public var sums: [Int64]

        /// An empty snapshot with `bucketCount` buckets.
        public init(bucketCount: Int) {
            counts = Array(repeating: 0, count: bucketCount)
            sums = Array(repeating: 0, count: bucketCount)
        }

        /// Values recorded.
        public var count: Int { counts.reduce(0, +) }
        /// Their exact sum.
        public var sum: Int64 { sums.reduce(0, +) }

        /// Calls `record` once for every value recorded after `earlier` and up to this snapshot,
        /// each bucket's values at their mean: integers whose sum is the bucket's exact sum, so the
        /// replayed counts per bucket and the total are exactly what was recorded.
        ///
        /// A bucket with `n` new values summing to `s` gives `s % n` values `s / n + 1` and the
        /// rest `s / n`. All of them lie in the bucket: its values are integers in
        /// `(lower, upper]`, so their mean is too, and `s / n` (rounded down) is above `lower`
        /// and `s / n + 1` (only when the mean is not whole) at most `upper`.
        ///
        /// - Parameter earlier: A snapshot of the same histogram taken before this one.
        public func replay(since earlier: Snapshot, _ record: (Int64) -> Void) {
            precondition(earlier.counts.count == counts.count, "snapshots of different histograms")
            for index in counts.indices {
                let count = counts[index] - earlier.counts[index]
                guard count > 0 else { continue }
                let sum = sums[index] - earlier.sums[index]
                let (mean, remainder) = sum.quotientAndRemainder(dividingBy: Int64(count))
                for _ in 0..<remainder { record(mean + 1) }
                for _ in 0..<(Int64(count) - remainder) { record(mean) }
            }
        }
    }
}
