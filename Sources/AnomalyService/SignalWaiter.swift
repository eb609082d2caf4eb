import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT/SIGTERM into a blocking wait, without async-signal-unsafe handlers.
///
/// Create it first thing in a command: it blocks the signals in the calling thread, and threads
/// started afterwards (librdkafka's, the pipeline's) inherit that mask, so the signals stay pending
/// until ``wait()`` takes them with `sigwait`.
// Sendable: the signal set is a plain value, written only in init.
struct SignalWaiter: @unchecked Sendable {
    enum Signal: CustomStringConvertible {
        case interrupt
        case terminate

        var number: Int32 { self == .interrupt ? SIGINT : SIGTERM }
        var description: String { self == .interrupt ? "SIGINT" : "SIGTERM" }
    }

    private var set = sigset_t()

    init(_ signals: Signal...) {
        unsafe sigemptyset(&set)
        for signal in signals { unsafe sigaddset(&set, signal.number) }
        unsafe pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the signals arrives.
    func wait() -> Signal {
        var set = self.set
        var received: Int32 = 0
        unsafe sigwait(&set, &received)
        return received == SIGINT ? .interrupt : .terminate
    }

    /// Starts a thread that exits the process at once (status 130) on the next signal: the
    /// operator's "stop now" while a graceful shutdown is under way.
    func exitOnNextSignal() {
        let waiter = self
        let thread = Thread {
            _ = waiter.wait()
            _exit(130)
        }
        thread.start()
    }
}
