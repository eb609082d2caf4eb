import Service
import Testing

/// A window's quantile from two snapshots of a cumulative ``AtomicHistogram``, as the latency
/// budget reads it.
@Suite struct AtomicHistogramQuantileTests {
    static let bounds: [Int64] = [100, 200, 400]

    @Test func aWindowSeesOnlyWhatWasRecordedInIt() {
        let histogram = AtomicHistogram(upperBounds: Self.bounds)
        for _ in 0..<1_000 { histogram.record(350) }
        let before = histogram.snapshot()
        for _ in 0..<100 { histogram.record(50) }
        let after = histogram.snapshot()
        let p99 = after.quantile(0.99, since: before, upperBounds: Self.bounds)
        #expect(p99.map { $0 <= 100 } == true, "the earlier slow values are outside the window: \(p99 ?? -1)")
        #expect(after.quantile(0.99, since: after, upperBounds: Self.bounds) == nil, "an empty window")
    }

    @Test func theQuantileIsInterpolatedInsideItsBucketAsPrometheusDoes() {
        let histogram = AtomicHistogram(upperBounds: Self.bounds)
        let empty = histogram.snapshot()
        for _ in 0..<50 { histogram.record(150) }
        for _ in 0..<50 { histogram.record(300) }
        let now = histogram.snapshot()
        // Rank 50 of 100 closes the (100, 200] bucket; rank 75 is half-way through (200, 400].
        #expect(now.quantile(0.5, since: empty, upperBounds: Self.bounds) == 200)
        #expect(now.quantile(0.75, since: empty, upperBounds: Self.bounds) == 300)
    }

    @Test func aQuantileInTheInfiniteBucketIsThatBucketsMean() {
        let histogram = AtomicHistogram(upperBounds: Self.bounds)
        let empty = histogram.snapshot()
        histogram.record(1_000)
        histogram.record(3_000)
        #expect(histogram.snapshot().quantile(0.99, since: empty, upperBounds: Self.bounds) == 2_000)
    }
}
