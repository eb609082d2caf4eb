import Foundation

/// Wall-clock timing with repetitions; results are medians.
enum Timing {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body` `repetitions` times (after one warm-up) and returns the median seconds per call.
    static func median(repetitions: Int, _ body: () -> Void) -> Double {
        body()
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = now()
            body()
            samples.append(Double(now() - start) / 1e9)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Calls `body` in a loop for at least `minimumSeconds` and returns the number of calls made
    /// (used to size repetitions of very short operations).
    static func calls(toFill minimumSeconds: Double, _ body: () -> Void) -> Int {
        var calls = 0
        let start = now()
        repeat {
            body()
            calls += 1
        } while Double(now() - start) / 1e9 < minimumSeconds
        return calls
    }
}

/// Keeps results alive so the optimiser cannot drop the work.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
