import Synchronization

/// A log-linear latency histogram (16 sub-buckets per power of two: about 6% resolution) from
/// 1 ns to about 9 s; values above go in the last bucket.
///
/// Thread-safe behind one `Mutex`; the demo's observer records once per answer and takes
/// per-second snapshots for its status lines (quantiles at about 6%). The pipeline's own latency
/// goes into a lock-free ``AtomicHistogram`` with Prometheus's buckets instead.
package final class LatencyRecorder: Sendable {
    static let subBucketBits = 4
    static let bucketCount = 34 << subBucketBits

    private let state = Mutex(LatencyHistogram())

    package init() {}

    package func record(nanoseconds: Int64) {
        state.withLock { $0.record(max(1, nanoseconds)) }
    }

    /// A copy of the histogram; with `reset`, recording starts over (for per-interval figures).
    package func snapshot(reset: Bool = false) -> LatencyHistogram {
        state.withLock { histogram in
            let copy = histogram
            if reset { histogram = LatencyHistogram() }
            return copy
        }
    }
}

/// The counts behind ``LatencyRecorder``; a value type so snapshots can be merged and queried.
package struct LatencyHistogram: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: LatencyRecorder.bucketCount)
    package private(set) var total = 0
    private(set) var maximum: Int64 = 0

    package init() {}

    mutating func record(_ value: Int64) {
        counts[Self.bucket(of: value)] += 1
        total += 1
        maximum = max(maximum, value)
    }

    /// Adds another histogram's counts to this one.
    package mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        total += other.total
        maximum = max(maximum, other.maximum)
    }

    /// The value at `quantile` (0...1) in nanoseconds: the upper edge of its bucket, or 0 if empty.
    package func value(atQuantile quantile: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let rank = max(1, Int((quantile * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(maximum, Self.upperEdge(of: index)) }
        }
        return maximum
    }

    static func bucket(of value: Int64) -> Int {
        let bits = LatencyRecorder.subBucketBits
        let magnitude = Int64.bitWidth - 1 - value.leadingZeroBitCount
        guard magnitude >= bits else { return Int(value) }
        let subBucket = Int((value >> (magnitude - bits)) & ((1 << bits) - 1))
        return min(LatencyRecorder.bucketCount - 1, ((magnitude - bits + 1) << bits) + subBucket)
    }

    static func upperEdge(of bucket: Int) -> Int64 {
        let bits = LatencyRecorder.subBucketBits
        guard bucket >= 1 << bits else { return Int64(bucket) }
        let magnitude = (bucket >> bits) + bits - 1
        let subBucket = Int64(bucket & ((1 << bits) - 1))
        return ((1 << Int64(bits)) + subBucket + 1) << Int64(magnitude - bits) - 1
    }
}
