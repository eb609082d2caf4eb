import ArgumentParser
import Kafka
import Platform
import SchemaRegistry
import Service

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `anomaly-service broker`: the embedded Kafka broker as a process of its own.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded Kafka broker (librdkafka's mock cluster) on loopback.",
        discussion: """
            A real Kafka-protocol server for development, tests, demos and small edge set-ups: any \
            Kafka client can bootstrap from the printed address. Data lives in memory only, and each \
            partition keeps about 5 MiB of record batches: older batches are dropped silently, so spread \
            a large backlog over enough partitions. Runs until SIGINT or SIGTERM.
            """
    )

    @Option(help: "Loopback port to accept bootstrap connections on (0: let the kernel pick).")
    var port: UInt16 = 9092

    @Option(help: "Partitions of each topic created at start.")
    var partitions: Int32 = 8

    @Option(help: "Comma-separated topics to create at start.")
    var topics: String = "requests,predictions,requests.dlq"

    @Option(help: "Number of mock brokers in the cluster, 1 to 16 (default: 1).")
    var count: Int?

    /// The old name of --count, kept so existing scripts still run; hidden because `serve --brokers`
    /// and `topics --brokers` take addresses, not a count.
    @Option(name: .customLong("brokers"), help: .hidden)
    var brokersAlias: Int?

    @Option(
        help: """
            Also run an in-memory development schema registry (Confluent's REST API, Avro only, no auth, \
            no TLS) on this port (0: let the kernel pick).
            """
    )
    var schemaRegistryPort: UInt16?

    @Option(help: "Address the development schema registry listens on.")
    var schemaRegistryHost: String = "127.0.0.1"

    /// How many brokers to start: --count, else --brokers, else 1.
    var brokerCount: Int { count ?? brokersAlias ?? 1 }

    func validate() throws {
        guard partitions > 0 else { throw ValidationError("--partitions must be at least 1, got \(partitions)") }
        if count != nil && brokersAlias != nil {
            throw ValidationError("--brokers is the old name of --count: give only --count")
        }
        guard (1...16).contains(brokerCount) else {
            throw ValidationError("--count must be between 1 and 16, got \(brokerCount)")
        }
    }

    func run() throws {
        let signals = LifecycleSignals.start(logger: try makeLogger(label: "broker", level: "info"))
        let names = topics.split(separator: ",").map { String($0.trimmingWhitespace) }
            .filter { !$0.isEmpty }
        let broker = try EmbeddedBroker(
            brokerCount: brokerCount,
            port: port == 0 ? nil : port,
            topics: Dictionary(uniqueKeysWithValues: names.map { ($0, partitions) })
        )
        print("bootstrap: \(broker.bootstrapServers)")
        print("brokers: \(broker.brokerAddresses)")
        print("topics: \(names.joined(separator: ",")) (\(partitions) partitions each)")
        let registry = try schemaRegistryPort.map { port in
            let registry = SchemaRegistryServer(host: schemaRegistryHost, port: Int(port))
            try registry.start()
            return registry
        }
        if let url = registry?.url { print("schema registry: \(url)") }
        // Scripts read the address from a pipe, where stdout is block-buffered until exit.
        fflush(nil)  // all streams: stdout is a C global, not concurrency-safe to name
        signals.running()
        let signal = signals.waitForStop()
        print("broker: stopping on \(signal)")
        registry?.stop()
        withExtendedLifetime(broker) {}
    }
}
