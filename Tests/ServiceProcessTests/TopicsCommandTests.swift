import Kafka
import Platform
import TestSupport
import Testing

/// `anomaly-service topics` as a child process against librdkafka's mock cluster (the embedded
/// broker, in the test process) over TCP: what the mock can answer, and clear sentences for what
/// it cannot.
@Suite(.timeLimit(.minutes(2)))
struct TopicsCommandTests {
    /// Runs `anomaly-service` with `arguments` to its exit; its status and output.
    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32?, log: String)
    {
        let process = try ServiceProcess(arguments: arguments, environment: environment)
        let status = process.waitForExit(seconds: 60)
        return (status, process.log)
    }

    @Test func describePrintsEveryPartitionsLeaderReplicasAndInSyncReplicas() throws {
        let topic = Unique.name("described")
        let broker = try EmbeddedBroker(brokerCount: 2, topics: [topic: 3])
        let (status, log) = try run([
            "topics", "describe", "--bootstrap-server", broker.bootstrapServers, "--topic", topic,
        ])
        #expect(status == 0, "\(log)")
        #expect(log.contains("Topic \(topic): 3 partitions, replication factor 2"), "\(log)")
        #expect(log.contains("partition  leader  replicas  in-sync"), "\(log)")
        let rows = log.split(separator: "\n").filter {
            $0.hasPrefix("  0 ") || $0.hasPrefix("  1 ") || $0.hasPrefix("  2 ")
        }
        #expect(rows.count == 3, "\(log)")
        #expect(rows.allSatisfy { $0.contains("1,2") }, "\(log)")
        #expect(log.contains("2 brokers: 1 at 127.0.0.1:"), "\(log)")
    }

    @Test func describeSaysWhyTheMockHasNoConfigsWithoutSwiftTypeNames() throws {
        let broker = try EmbeddedBroker(topics: ["requests": 1, "predictions": 1, "requests.dlq": 1])
        let (status, log) = try run(["topics", "describe", "-b", broker.bootstrapServers])
        #expect(status == 0, "\(log)")
        #expect(log.contains("Configs: unavailable: the cluster names broker 0 as its controller"), "\(log)")
        #expect(log.contains("librdkafka's mock cluster (`anomaly-service broker`)"), "\(log)")
        for name in ["requests", "predictions", "requests.dlq"] {
            #expect(log.contains("Topic \(name): 1 partitions"), "\(log)")
        }
        #expect(!log.contains("KafkaError") && !log.contains("Code."), "\(log)")
    }

    @Test func describingAMissingTopicFailsNamingItAndDoesNotCreateIt() throws {
        let broker = try EmbeddedBroker(topics: [Unique.name("other"): 1])
        let missing = Unique.name("missing")
        let (status, log) = try run(["topics", "describe", "--brokers", broker.bootstrapServers, "--topic", missing])
        #expect(status == 1, "\(log)")
        #expect(log.contains("Topic \(missing) does not exist on \(broker.bootstrapServers)."), "\(log)")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]))
        #expect(try admin.metadata().topic(named: missing) == nil)
    }

    @Test func createReportsTopicsThatExistWithThePlannedPartitionsAndSucceeds() throws {
        let broker = try EmbeddedBroker(topics: ["requests": 8, "predictions": 8, "requests.dlq": 8])
        let (status, log) = try run(["topics", "create", "-b", broker.bootstrapServers])
        #expect(status == 0, "\(log)")
        for name in ["requests", "predictions", "requests.dlq"] {
            #expect(log.contains("\(name): exists with 8 partitions, as planned"), "\(log)")
        }
    }

    @Test func createFailsWhenAnExistingTopicHasOtherPartitionsAndSaysSo() throws {
        let topic = Unique.name("smaller")
        let broker = try EmbeddedBroker(topics: [topic: 4])
        let (status, log) = try run([
            "topics", "create", "-b", broker.bootstrapServers, "--topic", topic, "--partitions", "6",
        ])
        #expect(status == 1, "\(log)")
        #expect(log.contains("\(topic): exists with 4 partitions, not the 6 planned; left as it is."), "\(log)")
        #expect(log.contains("pass --partitions 4 to accept it"), "\(log)")
    }

    @Test func createOnTheMockFailsAtOnceNamingTheTopicAndTheReason() throws {
        let broker = try EmbeddedBroker()
        let topic = Unique.name("new")
        let start = MonotonicDeadline.now()
        let (status, log) = try run([
            "topics", "create", "-b", broker.bootstrapServers, "--topic", topic, "--timeout", "30",
        ])
        #expect(MonotonicDeadline.now().nanoseconds(since: start) < 20_000_000_000, "waited for the timeout")
        #expect(status == 1, "\(log)")
        #expect(
            log.contains("Could not create \(topic) on \(broker.bootstrapServers): the cluster names broker 0"),
            "\(log)"
        )
        #expect(log.contains("give it its topics at start with `broker --topics NAMES --partitions N`"), "\(log)")
    }

    @Test func aDryRunListsWhatWouldBeCreatedAndCreatesNothing() throws {
        let broker = try EmbeddedBroker(topics: ["requests": 8])
        let (status, log) = try run(["topics", "create", "-b", broker.bootstrapServers, "--dry-run"])
        #expect(status == 0, "\(log)")
        #expect(log.contains("requests: exists with 8 partitions, as planned"), "\(log)")
        #expect(log.contains("predictions: does not exist; would be created."), "\(log)")
        #expect(log.contains("Dry run: nothing was created."), "\(log)")
    }

    @Test func aDryRunWithoutAClusterPrintsTheSizingArithmetic() throws {
        let (status, log) = try run([
            "topics", "create", "--dry-run", "--rate", "50000", "--message-bytes", "1000", "--retention", "24",
            "--max-consumers", "10", "--replication-factor", "3",
        ])
        #expect(status == 0, "\(log)")
        #expect(log.contains("50,000 requests/s × 1,000 B = 50,000,000 B/s (47.7 MiB/s)"), "\(log)")
        #expect(log.contains("ceil(47.7 MiB/s ÷ 2.0 MiB/s per partition) = 24 partitions"), "\(log)")
        #expect(log.contains("partitions          30"), "\(log)")
        #expect(log.contains("2 × 50,000,000 B/s × 86,400 s ÷ 30 partitions = 288,000,000,000 B"), "\(log)")
        #expect(log.contains("retention.ms=86400000, retention.bytes=288000000000"), "\(log)")
        #expect(log.contains("nothing was created"), "\(log)")
    }

    @Test func anUnreachableClusterIsASentenceWithTheClientsReason() throws {
        let (status, log) = try run(["topics", "describe", "-b", "127.0.0.1:1", "--timeout", "1"])
        #expect(status == 1, "\(log)")
        #expect(log.contains("Could not reach the cluster at 127.0.0.1:1: no broker answered"), "\(log)")
        #expect(log.contains("Connection refused"), "\(log)")
    }

    @Test func clientPropertiesComeFromTheEnvironmentAsServeReadsThemWithoutEchoingSecrets() throws {
        let applied = try run(
            ["topics", "describe", "-b", "127.0.0.1:1"],
            environment: ["ANOMALY_KAFKA_SOCKET_TIMEOUT_MS": "soon"]
        )
        #expect(applied.status == 1 && applied.log.contains("'socket.timeout.ms=soon' refused"), "\(applied.log)")
        let secret = try run(
            ["topics", "describe", "-b", "127.0.0.1:1"],
            environment: ["ANOMALY_KAFKA_SASL_PASWORD": "hunter2"]
        )
        #expect(secret.log.contains("librdkafka property 'sasl.pasword' is unknown"), "\(secret.log)")
        #expect(secret.status == 1 && !secret.log.contains("hunter2"), "\(secret.log)")
    }

    @Test func anIllegalTopicNameIsRefusedBeforeAnyRequest() throws {
        let (status, log) = try run(["topics", "create", "--dry-run", "--topic", "no spaces"])
        #expect(status != 0 && log.contains("topic name 'no spaces' is not legal in Kafka"), "\(log)")
    }
}
