#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A point in time on `CLOCK_MONOTONIC`: the project's one clock for deadlines, timeouts and
/// latencies (the rings' ``Parker`` sleeps against it too).
public struct MonotonicDeadline: Sendable, Hashable, Comparable {
    /// Nanoseconds since an unspecified boot-relative origin.
    public let nanoseconds: Int64

    /// Creates a deadline at a given reading of `CLOCK_MONOTONIC`.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current time.
    public static func now() -> MonotonicDeadline {
        var time = timespec()
        unsafe clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicDeadline(nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    /// `duration` from now, saturating instead of overflowing for huge durations.
    public static func after(_ duration: Duration) -> MonotonicDeadline {
        let (seconds, attoseconds) = duration.components
        let now = Self.now().nanoseconds
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return MonotonicDeadline(nanoseconds: seconds < 0 ? now : .max) }
        let (delta, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return MonotonicDeadline(nanoseconds: .max) }
        let (sum, overflow3) = now.addingReportingOverflow(max(delta, 0))
        return MonotonicDeadline(nanoseconds: overflow3 ? .max : sum)
    }

    /// Whether the deadline is in the past.
    public var hasPassed: Bool { Self.now() >= self }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This point as a duration since the clock's origin, for arithmetic on `Duration`.
    public var sinceOrigin: Duration { .nanoseconds(nanoseconds) }

    /// The nanoseconds from `earlier` to this point (negative when `earlier` is later).
    public func nanoseconds(since earlier: MonotonicDeadline) -> Int64 { nanoseconds - earlier.nanoseconds }

    /// The deadline as the `timespec` `pthread_cond_timedwait` takes.
    package var cTimespec: timespec {
        timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}

/// Blocks the calling thread for `duration`, sleeping to an absolute `CLOCK_MONOTONIC` time so
/// that a signal's interruption does not shorten or lengthen the pause. Meant for the project's own
/// threads: on Swift's cooperative pool it holds one of the pool's few threads for the duration.
public func sleepThread(for duration: Duration) {
    var wakeUp = MonotonicDeadline.after(duration).cTimespec
    while unsafe clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wakeUp, nil) == EINTR {}
}
