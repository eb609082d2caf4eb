import Foundation
import Service
import TestSupport
import Testing

/// What an operator sees from the `anomaly-service` executable: its version, and errors that say
/// what to fix in plain sentences, with the exit status of a usage error.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct OperatorInterfaceTests {
    /// Swift type names that must never reach an operator.
    static let typeNames = ["ServiceError", "KafkaError", "PlatformError", "InferenceError", "Code."]

    static func run(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> (
        status: Int32?, output: String
    ) {
        let process = try ServiceProcess(arguments: arguments, environment: environment)
        let status = process.waitForExit(seconds: 30)
        if status == nil { process.kill9() }
        return (status, process.log)
    }

    @Test func versionNamesTheReleaseAndTheLinkedLibrdkafka() throws {
        let run = try Self.run(["--version"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("anomaly-service "), "\(run.output)")
        #expect(run.output.contains("(librdkafka 2."), "\(run.output)")
    }

    @Test(arguments: [
        (["serve", "--wokers", "3"], "Error: unknown flag '--wokers'; did you mean '--workers'?"),
        (["serve", "--kafka", "enable.auto.offset.store=true"], "stores and commits offsets itself"),
        (["serve", "-X", "acks=0"], "flag -X: 'acks=0': with acks=0 no answer is ever acknowledged"),
        (["serve", "--config", "/nonexistent/serve.toml"], "cannot read configuration file '/nonexistent/serve.toml'"),
    ])
    func aBadSettingExitsAsAUsageErrorWithAPlainSentence(_ arguments: [String], _ message: String) throws {
        let run = try Self.run(arguments)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains(message), "\(run.output)")
        #expect(run.output.contains("See 'anomaly-service serve --help'"), "\(run.output)")
        for name in Self.typeNames { #expect(!run.output.contains(name), "\(name) in \(run.output)") }
    }

    @Test func aMisspeltVariableIsAWarningAndABrokerFailureIsASentence() throws {
        let port = try FaultScenarioTests.freePort()
        let run = try Self.run(
            ["serve", "-b", "127.0.0.1:\(port)", "--wait-for-broker", "1", "--model", TestModel.defaultModel],
            environment: ["ANOMALY_BROKER": "127.0.0.1:9092", "ANOMALY_LOG_LEVEL": "warning"]
        )
        #expect(run.status == 1, "\(run.output)")
        #expect(
            run.output.contains(
                "warning anomaly-service: [AnomalyService] environment ANOMALY_BROKER names no setting and is ignored; did you mean 'ANOMALY_BROKERS'?"
            ),
            "\(run.output)"
        )
        #expect(!run.output.contains(" info "), "ANOMALY_LOG_LEVEL=warning is read: \(run.output)")
        #expect(run.output.contains("Error: no broker at 127.0.0.1:\(port) answered within 1.0 s"), "\(run.output)")
        for name in Self.typeNames { #expect(!run.output.contains(name), "\(name) in \(run.output)") }
    }
}
