import Dispatch
import Logging
import Platform
import Synchronization
import UnixSignals

/// SIGINT, SIGTERM and SIGHUP for a command, handled on one task whatever thread the kernel
/// delivers them to, with what each means at each stage.
///
/// | stage | SIGTERM, SIGINT | SIGHUP |
/// |---|---|---|
/// | ``preparing(_:)`` (model load, broker wait: nothing in flight) | log, exit 0 at once | log, ignored |
/// | ``running(onHangup:)`` | ``waitForStop()`` returns it; the stage becomes draining | `onHangup`, or logged |
/// | draining | log, exit 130 at once (the operator's "stop now") | log, ignored |
///
/// Signals arrive through swift-service-lifecycle's `UnixSignalsSequence`: on Linux, libdispatch
/// reads them from a `signalfd` and installs a process-wide handler that reroutes a signal the kernel
/// hands to a thread that does not block it (OpenBLAS's pool, started before `main`). The former
/// `sigwait` design left such a signal to its default action, and nothing took a signal while the
/// main thread waited for the broker (docs/RELIABILITY.md, section 11).
///
/// Memory ordering: the stage and the stop signal live in a `Mutex` (its lock and unlock order
/// them); the semaphore is signalled after the stop signal is stored and unlocked, so the waiter,
/// which reads it under the lock after its wait returns, always finds it.
public final class LifecycleSignals: Sendable {
    private enum Stage: Sendable {
        case preparing(String)
        case running(onHangup: (@Sendable () -> Void)?)
        case draining
    }

    private struct State {
        var stage: Stage = .preparing("starting")
        var stop: UnixSignal?
        var failure: String?
    }

    private enum Action: Sendable {
        case log(String)
        case exit(status: Int32, message: String)
        case hangup(@Sendable () -> Void)
        case wake
    }

    private let state = Mutex(State())
    private let stopArrived = DispatchSemaphore(value: 0)
    private let logger: Logger

    private init(logger: Logger) {
        self.logger = logger
    }

    /// Blocks the signals in the calling thread (and the threads it starts later) and starts
    /// handling SIGINT, SIGTERM and SIGHUP; returns once the handlers are installed, so none is
    /// missed.
    ///
    /// Call it first thing in a command, on its main thread. The stage is "starting" until
    /// ``preparing(_:)`` or ``running(onHangup:)`` says otherwise.
    public static func start(logger: Logger) -> LifecycleSignals {
        SignalMask.blockLifecycleSignals()
        let signals: [UnixSignal] = [.sigint, .sigterm, .sighup]
        let lifecycle = LifecycleSignals(logger: logger)
        let registered = DispatchSemaphore(value: 0)
        // Never cancelled: it handles signals until the process ends.
        Task.detached {
            let sequence = await UnixSignalsSequence(trapping: signals)
            registered.signal()
            for await signal in sequence { lifecycle.handle(signal) }
        }
        registered.wait()
        return lifecycle
    }

    /// Nothing is in flight while `activity` (e.g. "waiting for the broker") runs: a stop signal
    /// exits at once with status 0.
    public func preparing(_ activity: String) {
        state.withLock { $0.stage = .preparing(activity) }
    }

    /// The command is serving, or about to (stop requests wait for ``waitForStop()``, which drains):
    /// SIGHUP calls `onHangup` (on the signal task: it must not block), or is logged and ignored
    /// without one. Called again, it replaces the handler; once a stop has arrived it does nothing.
    public func running(onHangup: (@Sendable () -> Void)? = nil) {
        state.withLock { state in
            if case .draining = state.stage { return }
            state.stage = .running(onHangup: onHangup)
        }
    }

    /// Blocks the calling thread until SIGINT or SIGTERM arrives while running; returns its name
    /// ("SIGTERM"). From then on the stage is draining: a second stop signal exits at once
    /// (status 130).
    public func waitForStop() -> String {
        stopArrived.wait()
        return state.withLock { state in
            state.failure.map { "failure (\($0))" } ?? state.stop?.description ?? "SIGTERM"
        }
    }

    /// Stops the command as SIGTERM would, for a failure found inside it (a fenced transactional
    /// producer): ``waitForStop()`` returns and ``failure`` says why. Ignored unless running.
    public func stopForFailure(_ reason: String) {
        let wake = state.withLock { state -> Bool in
            guard case .running = state.stage else { return false }
            state.stage = .draining
            state.failure = reason
            return true
        }
        if wake { stopArrived.signal() }
    }

    /// The failure that stopped the command, if one did.
    public var failure: String? { state.withLock { $0.failure } }

    private func handle(_ signal: UnixSignal) {
        let action = state.withLock { state -> Action in
            switch (state.stage, signal == .sighup) {
            case (.preparing(let activity), true):
                return .log("\(signal) while \(activity): ignored")
            case (.preparing(let activity), false):
                return .exit(status: 0, message: "\(signal) while \(activity): exiting (nothing in flight)")
            case (.running(let onHangup?), true):
                return .hangup(onHangup)
            case (.running(nil), true):
                return .log("\(signal): ignored")
            case (.running, false):
                state.stage = .draining
                state.stop = signal
                return .wake
            case (.draining, true):
                return .log("\(signal) while draining: ignored")
            case (.draining, false):
                return .exit(status: 130, message: "\(signal) while draining: exiting at once")
            }
        }
        switch action {
        case .log(let message): logger.notice("\(message)")
        case .exit(let status, let message):
            logger.notice("\(message)")
            exitImmediately(status)
        case .hangup(let onHangup): onHangup()
        case .wake: stopArrived.signal()
        }
    }
}
