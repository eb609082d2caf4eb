import Histogram
import Synchronization

/// Latencies in an HDR histogram (microsecond resolution, 3 significant digits, up to 10 min),
/// fed from the demo's observer thread.
final class HDRRecorder: Sendable {
    private let histogram = Mutex(
        Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    )

    func record(nanoseconds: Int64) {
        let micros = UInt64(max(0, nanoseconds) / 1000)
        histogram.withLock { _ = $0.record(min(micros, 600_000_000)) }
    }

    var count: Int { histogram.withLock { Int($0.totalCount) } }

    /// p50, p90, p99, p99.9 and max in milliseconds (empty when nothing was recorded).
    func percentilesMilliseconds() -> [String: Double] {
        histogram.withLock { histogram in
            guard histogram.totalCount > 0 else { return [:] }
            var out: [String: Double] = ["max_ms": Double(histogram.max) / 1000, "mean_ms": histogram.mean / 1000]
            for (key, percentile) in [("p50_ms", 50.0), ("p90_ms", 90.0), ("p99_ms", 99.0), ("p99.9_ms", 99.9)] {
                out[key] = Double(histogram.valueAtPercentile(percentile)) / 1000
            }
            return out
        }
    }
}
