#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT/SIGTERM into a blocking wait, without async-signal-unsafe handlers.
///
/// Create it first thing in a command: it blocks the signals in the calling thread, and threads
/// started afterwards (librdkafka's, the pipeline's) inherit that mask, so the signals stay pending
/// until ``wait()`` takes them with `sigwait`.
// Sendable: the signal set is a plain value, written only in init.
public struct SignalWaiter: @unchecked Sendable {
    public enum Signal: Sendable, CustomStringConvertible {
        case interrupt
        case terminate
        /// Reload the model.
        case hangup

        var number: Int32 {
            switch self {
            case .interrupt: SIGINT
            case .terminate: SIGTERM
            case .hangup: SIGHUP
            }
        }
        public var description: String {
            switch self {
            case .interrupt: "SIGINT"
            case .terminate: "SIGTERM"
            case .hangup: "SIGHUP"
            }
        }
    }

    private var set = sigset_t()

    public init(_ signals: Signal...) {
        unsafe sigemptyset(&set)
        for signal in signals { unsafe sigaddset(&set, signal.number) }
        unsafe pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the signals arrives.
    public func wait() -> Signal {
        var set = self.set
        var received: Int32 = 0
        unsafe sigwait(&set, &received)
        switch received {
        case SIGINT: return .interrupt
        case SIGHUP: return .hangup
        default: return .terminate
        }
    }

    /// Starts a thread that exits the process at once (status 130) on the next signal: the
    /// operator's "stop now" while a graceful shutdown is under way.
    public func exitOnNextSignal() throws(PlatformError) {
        let waiter = self
        // Never joined: it ends the process, or ends with it.
        _ = try PinnedThread(name: "signal-exit", cpu: nil) {
            while waiter.wait() == .hangup {}  // a reload request is no reason to stop at once
            _exit(130)
        }
    }
}
