import Logging
import Platform
import Service
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// ``LifecycleSignals`` in a child process (an exit test) that signals itself: the test binary
/// links OpenBLAS, so its pool thread, started before `main` with nothing blocked, is there too.
@Suite struct LifecycleSignalsTests {
    @Test func aStopSignalWhilePreparingExitsZeroAtOnce() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let signals = LifecycleSignals.start(logger: Logger(label: "test"))
            signals.preparing("loading the model")
            kill(getpid(), SIGTERM)
            sleepThread(for: .seconds(5))
            exit(3)  // not reached: the signal ends the process first
        }
    }

    @Test func sighupWhilePreparingOrDrainingIsIgnoredAndASecondStopExits130() async {
        await #expect(processExitsWith: .exitCode(130)) {
            let signals = LifecycleSignals.start(logger: Logger(label: "test"))
            signals.preparing("waiting for the broker")
            for _ in 0..<5 { kill(getpid(), SIGHUP) }
            sleepThread(for: .milliseconds(200))
            signals.running()
            kill(getpid(), SIGINT)
            guard signals.waitForStop() == "SIGINT" else { exit(4) }
            for _ in 0..<5 { kill(getpid(), SIGHUP) }
            sleepThread(for: .milliseconds(200))
            kill(getpid(), SIGTERM)
            sleepThread(for: .seconds(5))
            exit(3)  // not reached
        }
    }

    @Test func sighupWhileRunningCallsTheReloadHandler() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let signals = LifecycleSignals.start(logger: Logger(label: "test"))
            signals.running { exit(0) }
            kill(getpid(), SIGHUP)
            sleepThread(for: .seconds(5))
            exit(3)
        }
    }
}
