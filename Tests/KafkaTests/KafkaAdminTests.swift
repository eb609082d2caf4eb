import Kafka
import Platform
import TestSupport
import Testing

/// The admin client against librdkafka's mock cluster over TCP: what the mock answers (metadata)
/// and how it fails what it cannot answer. Creation and configs against a broker that answers
/// them: ServiceProcessTests' `TopicsTansuTests`.
@Suite(.timeLimit(.minutes(1)))
struct KafkaAdminTests {
    private func admin(_ broker: EmbeddedBroker) throws -> KafkaAdmin {
        try KafkaAdmin(
            configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]),
            events: KafkaEventHandlers(log: nil)
        )
    }

    @Test func metadataNamesTheBrokersAndEveryPartitionsLeaderAndReplicas() throws {
        let topic = Unique.name("described")
        let broker = try EmbeddedBroker(brokerCount: 3, topics: [topic: 5])
        let metadata = try admin(broker).metadata()
        #expect(metadata.brokers.map(\.id) == [1, 2, 3])
        #expect(metadata.brokers.allSatisfy { $0.host == "127.0.0.1" && $0.port > 0 })
        #expect(metadata.clusterID?.hasPrefix("mockCluster") == true)
        let described = try #require(metadata.topic(named: topic))
        #expect(described.partitions.map(\.id) == [0, 1, 2, 3, 4])
        for partition in described.partitions {
            #expect(partition.replicas.contains(partition.leader))
            #expect(Set(partition.replicas).isSubset(of: [1, 2, 3]))
            #expect(partition.inSyncReplicas == partition.replicas && !partition.isUnderReplicated)
        }
    }

    @Test func askingForMetadataCreatesNoTopic() throws {
        // The mock creates a topic that a metadata request names; asking for all names none.
        let broker = try EmbeddedBroker(topics: [Unique.name("only"): 1])
        let client = try admin(broker)
        let before = try client.metadata().topics.map(\.name)
        _ = try client.metadata()
        #expect(try client.metadata().topics.map(\.name) == before)
    }

    @Test func theMockClusterNamesNoControllerSoAdminRequestsFailAtOnce() throws {
        let broker = try EmbeddedBroker(brokerCount: 2)
        let client = try admin(broker)
        let metadata = try client.metadata()
        #expect(!metadata.hasReachableController)
        let start = MonotonicDeadline.now()
        #expect {
            _ = try client.createTopics(
                [NewTopic(name: Unique.name("new"), partitions: 2)],
                timeoutMilliseconds: 20_000
            )
        } throws: { error in
            let error = error as? KafkaError
            return error?.code == .unsupportedByBroker && error?.reason.contains("controller") == true
        }
        #expect {
            _ = try client.describeTopicConfigs(["requests"], timeoutMilliseconds: 20_000)
        } throws: { ($0 as? KafkaError)?.code == .unsupportedByBroker }
        // Not after librdkafka's 20 s wait for a controller that never comes.
        #expect(MonotonicDeadline.now().nanoseconds(since: start) < 5_000_000_000)
    }

    @Test func anUnreachableClusterFailsWithinTheTimeout() throws {
        let client = try KafkaAdmin(
            configuration: KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1"]),
            events: KafkaEventHandlers(log: nil)
        )
        #expect {
            _ = try client.metadata(timeoutMilliseconds: 500)
        } throws: { error in
            let code = (error as? KafkaError)?.code
            return code == .brokerUnreachable || code == .timedOut
        }
    }
}
