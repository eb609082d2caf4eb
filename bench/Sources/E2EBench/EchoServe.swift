import Foundation
import Logging
import Platform
import Service
import Synchronization

/// `e2e-bench echo-serve [--expect N] SETTINGS...`: the service's pipeline with the zero-cost
/// ``EchoProcessor`` as a process of its own, the `echo` subject of `e2e-bench transport`.
///
/// Takes `serve`'s settings (`--brokers`, `--group`, `--kafka-consumer`, ...) and starts the
/// pipeline as `serve` does, minus the model (echo scores nothing; `--model` is accepted and
/// unused); runs until SIGTERM or SIGINT, or until `N` answers are acknowledged, then drains.
enum EchoServe {
    static func main(_ arguments: [String]) throws -> Never {
        var settings = arguments
        var expect: Int?
        if let index = settings.firstIndex(of: "--expect"), index + 1 < settings.count {
            expect = Int(settings[index + 1])
            settings.removeSubrange(index...(index + 1))
        }
        var logger = Logger(label: "echo-serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let signals = LifecycleSignals.start(logger: logger)
        let configuration = try ServiceConfiguration.resolve(
            arguments: settings,
            environment: ProcessInfo.processInfo.environment
        ).configuration.applyingProfile(
            allowedCPUs: (try? CPUSet.allowed().cpus.count) ?? ProcessInfo.processInfo.activeProcessorCount
        )
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .warning
        signals.preparing("waiting for the broker")
        try waitForBroker(configuration, seconds: configuration.waitForBrokerSeconds, logger: logger)
        signals.running()
        let pipeline = try Pipeline(configuration: configuration, logger: logger) { _ in EchoProcessor() }
        try pipeline.start()
        if let expect {
            // Stops like an operator would: the same SIGTERM, once every answer is acknowledged.
            let counters = pipeline.counters
            _ = try PinnedThread(name: "echo-expect", cpu: nil) {
                while counters.acknowledged.load(ordering: .relaxed) < expect {
                    sleepThread(for: .milliseconds(1))
                }
                kill(getpid(), SIGTERM)
            }
        }
        _ = signals.waitForStop()
        let inTime = pipeline.stop(timeoutSeconds: configuration.shutdownTimeoutSeconds)
        let counts = pipeline.counters.snapshot
        logger.notice("stopped: consumed \(counts.consumed), acknowledged \(counts.acknowledged)")
        exit(signals.failure == nil && inTime ? 0 : 1)
    }
}
