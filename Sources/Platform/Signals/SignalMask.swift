#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The calling thread's signal mask, for the signals a command handles (SIGINT, SIGTERM, SIGHUP).
///
/// Blocking them first thing in a command keeps them away from every thread the command starts
/// afterwards (librdkafka's, the pipeline's, the operations endpoint's): they inherit the mask, so a
/// signal stays pending for the process until libdispatch's `signalfd` takes it. It cannot reach
/// threads that exist already: OpenBLAS starts its pool in its library constructor, before `main`.
/// Those are covered by the handler libdispatch installs, which reroutes a signal it catches there
/// (docs/RELIABILITY.md, section 11); the mask only keeps the common case off that path and keeps
/// `EINTR` out of every other thread's system calls.
public enum SignalMask {
    /// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and the threads it starts later.
    public static func blockLifecycleSignals() {
        var set = sigset_t()
        unsafe sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { unsafe sigaddset(&set, signal) }
        unsafe pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}

/// Ends the process now with `status`: C streams are flushed (so the last log line is out), but no
/// `atexit` handler or library destructor runs while other threads are still working (`_exit`).
///
/// For a stop requested before anything is in flight, and for the operator's second signal during
/// a drain.
public func exitImmediately(_ status: Int32) -> Never {
    _ = fflush(nil)
    _exit(status)
}
