import Platform
import Service
import Testing

/// ``AtomicHistogram``: Prometheus's bucket rule, replays that keep every count and the exact
/// sum, and concurrent writers with a concurrent reader.
@Suite(.timeLimit(.minutes(1)))
struct AtomicHistogramTests {
    @Test func aValueCountsInTheFirstBucketWhoseBoundIsAtLeastIt() {
        let histogram = AtomicHistogram(upperBounds: [10, 20, 40])
        for value: Int64 in [-5, 0, 10, 11, 20, 21, 40, 41, 1_000_000] { histogram.record(value) }
        let snapshot = histogram.snapshot()
        #expect(snapshot.counts == [3, 2, 2, 2])
        #expect(snapshot.sums == [10, 31, 61, 1_000_041])
        #expect(snapshot.count == 9 && snapshot.sum == 1_000_143)
    }

    @Test func replayingKeepsEachBucketsCountAndTheExactSum() {
        let bounds = [Int64](ServiceMetricNames.latencyBounds)
        let recorded = AtomicHistogram(upperBounds: bounds)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 { recorded.record(Int64.random(in: 0...150_000_000, using: &generator)) }
        // Edge values: exactly on a bound, one past it.
        for bound in bounds {
            recorded.record(bound)
            recorded.record(bound + 1)
        }
        let snapshot = recorded.snapshot()

        let replayed = AtomicHistogram(upperBounds: bounds)
        var calls = 0
        snapshot.replay(since: .init(bucketCount: bounds.count + 1)) { value in
            replayed.record(value)
            calls += 1
        }
        #expect(calls == snapshot.count)
        #expect(replayed.snapshot() == snapshot)
    }

    @Test func aReplayCoversOnlyWhatCameAfterTheEarlierSnapshot() {
        let histogram = AtomicHistogram(upperBounds: ServiceMetricNames.batchSizeBounds)
        for size: Int64 in [1, 5, 64] { histogram.record(size) }
        let earlier = histogram.snapshot()
        for size: Int64 in [2, 3, 64, 64] { histogram.record(size) }
        var values: [Int64] = []
        histogram.snapshot().replay(since: earlier) { values.append($0) }
        #expect(values.sorted() == [2, 3, 64, 64], "2 and 3 share a bucket, whose mean is 2.5: one of each")
    }

    @Test func concurrentWritersLoseNothingWhileAReaderReplaysDeltas() throws {
        let writers = 4
        let perWriter = 50_000
        let histogram = AtomicHistogram(upperBounds: ServiceMetricNames.latencyBounds)
        let replayed = AtomicHistogram(upperBounds: ServiceMetricNames.latencyBounds)
        let done = StoppableThread()
        // The reader replays deltas while the writers run: a snapshot that saw a count without
        // its value would replay a value outside its bucket, and the copies would differ.
        try done.start(name: "replayer") {
            var last = AtomicHistogram.Snapshot(bucketCount: ServiceMetricNames.latencyBounds.count + 1)
            while !done.isStopping {
                let now = histogram.snapshot()
                now.replay(since: last) { replayed.record($0) }
                last = now
            }
            histogram.snapshot().replay(since: last) { replayed.record($0) }
        }
        @Sendable func value(writer: Int, index: Int) -> Int64 {
            Int64((index * 7_919 + writer * 104_729) % 120_000_000)
        }
        let threads = try (0..<writers).map { writer in
            try PinnedThread(name: "writer-\(writer)", cpu: nil) {
                for index in 0..<perWriter { histogram.record(value(writer: writer, index: index)) }
            }
        }
        for thread in threads { thread.join() }
        done.stop()
        let total = histogram.snapshot()
        #expect(total.count == writers * perWriter)
        var expectedSum: Int64 = 0
        for writer in 0..<writers {
            for index in 0..<perWriter { expectedSum += value(writer: writer, index: index) }
        }
        #expect(total.sum == expectedSum)
        #expect(replayed.snapshot() == total)
    }
}
