import Foundation
import Platform
import Service
import TestSupport
import Testing

/// `anomaly-service serve` as its own process: what it writes to standard error
/// when a secret is misconfigured or the model file carries control characters.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct HostileConfigurationTests {
    /// A configuration whose broker address has nothing listening: neither test needs a broker.
    static func unreachable() throws -> ServiceConfiguration {
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        configuration.model = TestModel.defaultModel
        return configuration
    }

    @Test func aMisspeltSecretFlagStopsServeWithoutPrintingTheSecret() throws {
        let service = try ServiceProcess(try Self.unreachable(), extra: ["--kafka", "sasl.pasword=hunter2"])
        let status = service.waitForExit(seconds: 30)
        #expect(status != nil && status != 0, "still running or exit 0: \(service.log.suffix(2_000))")
        #expect(service.log.contains("sasl.pasword"), "the error names the key: \(service.log.suffix(2_000))")
        #expect(!service.log.contains("hunter2"), "\(service.log.suffix(2_000))")
    }

    @Test func aModelVersionWithControlCharactersIsLoggedEscaped() throws {
        var configuration = try Self.unreachable()
        configuration.model = try TestModel.write(version: "7\nlevel=critical forged\u{1b}[2J")
        defer { try? FileManager.default.removeItem(atPath: configuration.model) }
        let service = try ServiceProcess(configuration)
        defer { service.kill9() }
        let deadline = MonotonicDeadline.after(.seconds(30))
        while !service.log.contains("loaded"), !deadline.hasPassed { sleepThread(for: .milliseconds(50)) }
        let line = try #require(service.log.split(separator: "\n").first { $0.contains("loaded") })
        #expect(line.contains(#"service-test@7\nlevel=critical forged\u{1b}[2J loaded"#), "\(line)")
        #expect(!service.log.contains("\u{1b}"), "\(service.log.suffix(2_000).debugDescription)")
        #expect(!service.log.split(separator: "\n").contains { $0.hasPrefix("level=critical") })
    }
}
