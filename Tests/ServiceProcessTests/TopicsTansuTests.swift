import TestSupport
import Testing

/// `anomaly-service topics` against tansu, an independent Kafka-compatible broker, for what
/// librdkafka's mock cluster cannot answer: CreateTopics and DescribeConfigs. The command runs
/// with tansu's newer librdkafka (``TansuBroker/libraryEnvironment``).
@Suite(
    .serialized,
    .timeLimit(.minutes(2)),
    .enabled(if: TansuBroker.installation != nil, Comment(rawValue: TansuBroker.missingReason))
)
struct TopicsTansuTests {
    private func run(_ arguments: [String], against tansu: TansuBroker) throws -> (status: Int32?, log: String) {
        let process = try ServiceProcess(
            arguments: ["topics"] + arguments + ["--bootstrap-server", tansu.bootstrapServers],
            environment: tansu.libraryEnvironment
        )
        let status = process.waitForExit(seconds: 60)
        return (status, process.log)
    }

    @Test func createMakesTheServicesTopicsSizedFromTheRateWithTheirConfigs() throws {
        let tansu = try TansuBroker()
        let (status, log) = try run(
            ["create", "--rate", "5000", "--retention", "72", "--config", "cleanup.policy=delete"],
            against: tansu
        )
        #expect(status == 0, "\(log)\n\(tansu.log.suffix(2_000))")
        for name in ["requests", "predictions", "requests.dlq"] {
            #expect(log.contains("\(name): created with 8 partitions."), "\(log)")
        }

        let (describeStatus, described) = try run(["describe", "--topic", "requests"], against: tansu)
        #expect(describeStatus == 0, "\(described)")
        #expect(described.contains("Topic requests: 8 partitions, replication factor 1"), "\(described)")
        #expect(described.contains("retention.ms     259200000"), "\(described)")
        #expect(described.contains("retention.bytes  324000000000"), "\(described)")
        #expect(described.contains("cleanup.policy   delete"), "\(described)")
    }

    @Test func aSecondCreateReportsTheTopicsAndChangesNothing() throws {
        let tansu = try TansuBroker()
        let first = try run(["create", "--topic", "requests", "--partitions", "3"], against: tansu)
        #expect(first.status == 0, "\(first.log)")
        let second = try run(["create", "--topic", "requests", "--partitions", "3"], against: tansu)
        #expect(second.status == 0, "\(second.log)")
        #expect(second.log.contains("requests: exists with 3 partitions, as planned"), "\(second.log)")
        let differing = try run(["create", "--topic", "requests", "--partitions", "4"], against: tansu)
        #expect(differing.status == 1, "\(differing.log)")
        #expect(differing.log.contains("requests: exists with 3 partitions, not the 4 planned"), "\(differing.log)")
    }

    @Test func aDryRunCreatesNothingOnABrokerThatCould() throws {
        let tansu = try TansuBroker()
        let (status, log) = try run(["create", "--topic", "planned", "--dry-run"], against: tansu)
        #expect(status == 0 && log.contains("planned: does not exist; would be created."), "\(log)")
        let (describeStatus, described) = try run(["describe", "--topic", "planned"], against: tansu)
        #expect(describeStatus == 1 && described.contains("Topic planned does not exist"), "\(described)")
    }
}
