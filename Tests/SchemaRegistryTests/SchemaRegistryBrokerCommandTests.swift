import SchemaRegistry
import TestSupport
import Testing

/// `anomaly-service broker --schema-registry-port 0`: the development registry beside the
/// embedded broker, in the built executable.
@Suite(.timeLimit(.minutes(1)))
struct SchemaRegistryBrokerCommandTests {
    @Test func brokerPrintsTheRegistryURLAndServesIt() throws {
        let broker = try ServiceProcess(
            arguments: ["broker", "--port", "0", "--partitions", "1", "--schema-registry-port", "0"]
        )
        defer { broker.terminate() }
        #expect(eventually(seconds: 20) { broker.log.contains("schema registry: ") }, "\(broker.log.suffix(2_000))")
        let line = broker.log.split(separator: "\n").first { $0.hasPrefix("schema registry: ") } ?? ""
        let url = String(line.dropFirst("schema registry: ".count))
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
        let id = try client.register(subject: "requests-value", schema: TestSchemas.user)
        #expect(try client.schema(id: id) == TestSchemas.user)
        broker.terminate()
        #expect(broker.waitForExit(seconds: 10) == 0, "\(broker.log)")
    }

    @Test func portInUseIsOneSentence() throws {
        let first = SchemaRegistryServer(port: 0)
        let port = try first.start()
        defer { first.stop() }
        let broker = try ServiceProcess(
            arguments: ["broker", "--port", "0", "--partitions", "1", "--schema-registry-port", String(port)]
        )
        #expect(broker.waitForExit(seconds: 20) == 1, "\(broker.log)")
        #expect(broker.log.contains("Error: schema registry: cannot listen on 127.0.0.1:\(port)"), "\(broker.log)")
    }
}
