import Foundation
import Service
import Testing

/// The configuration files shipped in deploy/ stay valid service configurations.
@Suite struct DeployFilesTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func check(_ text: String, source: String) throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        try configuration.apply(TOMLDocument(parsing: text, source: source), source: source)
        _ = try configuration.consumerConfiguration()
        _ = try configuration.producerConfiguration()
        return configuration
    }

    @Test func theSystemdServiceFileIsAValidConfiguration() throws {
        let path = Self.repository.appendingPathComponent("deploy/systemd/service.toml").path
        let configuration = try Self.check(String(contentsOfFile: path, encoding: .utf8), source: path)
        #expect(configuration.metricsPort == 9464)
        #expect(configuration.metricsHost == "0.0.0.0", "a remote Prometheus scrapes it")
        #expect(configuration.kafkaConsumer.contains("session.timeout.ms=45000"))
    }

    @Test func theKubernetesConfigMapHoldsAValidConfiguration() throws {
        let path = Self.repository.appendingPathComponent("deploy/kubernetes/configmap.yaml").path
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        // The block scalar under `service.toml: |`, indented four spaces.
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "service.toml: |" })
        let block = lines[(start + 1)...].prefix { $0.isEmpty || $0.hasPrefix("    ") }.map {
            $0.dropFirst(min(4, $0.count))
        }
        let configuration = try Self.check(block.joined(separator: "\n"), source: path)
        #expect(configuration.metricsPort == 9464)
        #expect(configuration.metricsHost == "0.0.0.0", "the kubelet's probes reach the pod's IP")
        #expect(configuration.model == "/var/lib/anomaly-service/default.model")
    }
}
