import Foundation

/// Timing with repetitions; results are medians. The clock is the calling thread's CPU time
/// (`CLOCK_THREAD_CPUTIME_ID`, or wall-clock time with `--wall`): the benchmark is single-threaded
/// (one BLAS thread), and on a machine shared with other jobs CPU time still measures the cost on
/// one core while wall time measures the neighbours.
enum Timing {
    static let useWallClock = CommandLine.arguments.contains("--wall")

    static func now() -> UInt64 {
        if useWallClock { return DispatchTime.now().uptimeNanoseconds }
        var time = timespec()
        unsafe clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

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
