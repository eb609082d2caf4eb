import Platform

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a blocking ring operation waits before it parks: spin, then yield, then sleep on the
/// ring's ``Parker``.
///
/// Spinning catches hand-offs that complete within a few hundred nanoseconds without a system
/// call; yielding gives the CPU to the other side when threads outnumber cores (this box: two
/// cores for a poller and several workers); parking brings idle CPU to zero.
public struct WaitPolicy: Sendable, Hashable {
    /// Re-checks before the first yield.
    public var spins: Int
    /// `sched_yield()` calls (each followed by a re-check) before parking.
    public var yields: Int

    /// Creates a policy.
    /// - Parameters:
    ///   - spins: Re-checks before the first yield.
    ///   - yields: Yields before parking.
    public init(spins: Int, yields: Int) {
        precondition(spins >= 0 && yields >= 0)
        self.spins = spins
        self.yields = yields
    }

    /// 100 spins and 10 yields: a few microseconds before parking.
    public static let `default` = WaitPolicy(spins: 100, yields: 10)
    /// Park at once (lowest CPU, highest hand-off latency).
    public static let parkImmediately = WaitPolicy(spins: 0, yields: 0)

    /// One back-off step; `false` once the caller should park.
    @inlinable
    func backOff(_ round: inout Int) -> Bool {
        defer { round += 1 }
        if round < spins {
            return true
        }
        if round < spins + yields {
            sched_yield()
            return true
        }
        return false
    }
}

extension WaitPolicy {
    /// The blocking loop every ring shares: try, back off, then park on `parker` until
    /// `isReady` or `isClosed` may have changed, until the deadline.
    ///
    /// `isClosed` is read *before* each attempt, so once an attempt fails after the ring was seen
    /// closed, everything pushed before `close()` has been taken (acquire in `isClosed`).
    /// - Parameters:
    ///   - parker: The parker the other side notifies after publishing.
    ///   - deadline: When to give up, or `nil` for never.
    ///   - isClosed: Whether the ring is closed.
    ///   - isReady: Whether `attempt` would likely succeed now (a ``Parker`` condition).
    ///   - attempt: The non-blocking operation; `nil` means "try again".
    /// - Returns: The first non-`nil` attempt, or `nil` on timeout or once closed.
    @inlinable
    func run<Result>(
        parker: Parker,
        deadline: MonotonicDeadline?,
        isClosed: () -> Bool,
        isReady: () -> Bool,
        attempt: () -> Result?
    ) -> Result? {
        var round = 0
        while true {
            let closed = isClosed()
            if let result = attempt() {
                return result
            }
            if closed {
                return nil
            }
            if backOff(&round) {
                continue
            }
            let notified = parker.wait(deadline: deadline) { isReady() || isClosed() }
            if !notified {
                return attempt()
            }
        }
    }
}
