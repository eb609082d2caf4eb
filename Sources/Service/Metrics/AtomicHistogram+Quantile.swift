extension AtomicHistogram.Snapshot {
    /// The `quantile` (0...1) of the values recorded after `earlier` and up to this snapshot: a
    /// window's quantile from two snapshots of a cumulative histogram, with nothing reset (the
    /// histogram's other readers, the metrics flush, keep their exact deltas).
    ///
    /// Inside its bucket the value is interpolated linearly between the bucket's bounds, as
    /// Prometheus's `histogram_quantile` does, so it is the figure a dashboard shows for the same
    /// buckets; in the `+Inf` bucket, whose upper edge is unknown, it is the bucket's exact mean
    /// (at least the last bound).
    ///
    /// - Parameters:
    ///   - earlier: A snapshot of the same histogram taken before this one.
    ///   - upperBounds: The histogram's finite bounds (``AtomicHistogram/upperBounds``).
    /// - Returns: nil when no value was recorded in between.
    package func quantile(_ quantile: Double, since earlier: Self, upperBounds: [Int64]) -> Int64? {
        precondition(earlier.counts.count == counts.count && upperBounds.count + 1 == counts.count, "same histogram")
        let window = counts.indices.map { counts[$0] - earlier.counts[$0] }
        let total = window.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = min(1, max(0, quantile)) * Double(total)
        var below = 0
        for (index, count) in window.enumerated() where count > 0 {
            guard Double(below + count) >= rank else {
                below += count
                continue
            }
            let lower = index == 0 ? 0 : upperBounds[index - 1]
            guard index < upperBounds.count else {
                return max(lower, (sums[index] - earlier.sums[index]) / Int64(count))
            }
            let fraction = (rank - Double(below)) / Double(count)
            return lower + Int64((Double(upperBounds[index] - lower) * fraction).rounded())
        }
        return upperBounds.last ?? 0
    }
}
