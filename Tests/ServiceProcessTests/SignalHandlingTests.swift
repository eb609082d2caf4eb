import Foundation
import Platform
import Service
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP at each stage of `serve` and `broker`, sent to the real process:
/// handled whichever thread the kernel picks (OpenBLAS's pool starts before `main` with nothing
/// blocked), never the default action.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SignalHandlingTests {
    /// `serve` pointed at a port where no broker listens, once it logs its first wait.
    static func serviceWaitingForABroker(environment: [String: String] = [:]) throws -> ServiceProcess {
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        configuration.model = try TestModel.write()
        let service = try ServiceProcess(configuration, environment: environment)
        #expect(eventually(seconds: 20) { service.log.contains("waiting for broker") }, "\(service.log.suffix(2_000))")
        return service
    }

    @Test(
        arguments: [
            (SIGTERM, "SIGTERM", [:]),
            (SIGTERM, "SIGTERM", ["OPENBLAS_NUM_THREADS": "1"]),
            (SIGINT, "SIGINT", [:]),
        ] as [(Int32, String, [String: String])]
    )
    func aStopSignalWhileWaitingForTheBrokerExitsZeroAtOnceWithALogLine(
        signal: Int32,
        name: String,
        environment: [String: String]
    ) throws {
        let service = try Self.serviceWaitingForABroker(environment: environment)
        let sent = MonotonicDeadline.now()
        service.send(signal)
        #expect(service.waitForExit(seconds: 5) == 0, "\(service.log.suffix(2_000))")
        let seconds = Double(MonotonicDeadline.now().nanoseconds(since: sent)) / 1e9
        print("\(name) while waiting for the broker (\(environment)): exit after \(seconds) s")
        #expect(service.log.contains("\(name) while waiting for the broker: exiting"), "\(service.log.suffix(2_000))")
    }

    @Test func sighupWhileWaitingForTheBrokerIsLoggedAndIgnored() throws {
        let service = try Self.serviceWaitingForABroker()
        for _ in 0..<5 {
            service.send(SIGHUP)
            sleepThread(for: .milliseconds(50))
        }
        #expect(service.waitForExit(seconds: 1) == nil, "\(service.log.suffix(2_000))")
        #expect(service.log.contains("SIGHUP while waiting for the broker: ignored"))
        service.terminate()
        #expect(service.waitForExit(seconds: 5) == 0, "\(service.log.suffix(2_000))")
    }

    @Test func sighupDuringADrainIsNotFatalAndTheServiceStopsCleanly() throws {
        let (fixture, log) = try PipelineFixture.preloaded(2_000)
        let service = try ServiceProcess(fixture.configuration)
        #expect(!log.wait(for: 1).isEmpty, "\(service.log.suffix(2_000))")
        service.terminate()
        for _ in 0..<10 {
            service.send(SIGHUP)
            sleepThread(for: .milliseconds(5))
        }
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        #expect(service.log.contains("stopped: consumed"), "\(service.log.suffix(2_000))")
    }

    @Test func theBrokerStopsOnSigtermWithStatusZeroAndIgnoresSighup() throws {
        let broker = try ServiceProcess(arguments: ["broker", "--port", "0", "--partitions", "1"])
        #expect(eventually(seconds: 20) { broker.log.contains("bootstrap:") }, "\(broker.log.suffix(2_000))")
        for _ in 0..<5 {
            broker.send(SIGHUP)
            sleepThread(for: .milliseconds(20))
        }
        #expect(broker.waitForExit(seconds: 1) == nil, "\(broker.log.suffix(2_000))")
        broker.terminate()
        #expect(broker.waitForExit(seconds: 10) == 0, "\(broker.log.suffix(2_000))")
        #expect(broker.log.contains("broker: stopping on SIGTERM"), "\(broker.log.suffix(2_000))")
    }
}
