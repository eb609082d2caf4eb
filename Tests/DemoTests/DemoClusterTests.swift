import Demo
import Kafka
import TestSupport
import Testing

/// `demo --brokers` and `e2e-bench --brokers`: runs on a cluster they did not start, sharing its
/// topics, each reading only its own records.
@Suite(.timeLimit(.minutes(2)))
struct DemoClusterTests {
    @Test func theDemoRunsOnAnExistingClusterOnTopicsOfItsOwn() throws {
        // Stands in for a real cluster: only its address is used.
        let cluster = try EmbeddedBroker(topics: ["requests": 2, "predictions": 2, "requests.dlq": 2])
        var options = DemoRunner.Options()
        options.brokers = cluster.bootstrapServers
        options.seconds = 2
        options.rate = 500
        options.partitions = 2
        options.pinThreads = false
        options.model = TestModel.defaultModel
        var lines: [String] = []
        let first = try DemoRunner(options: options, logger: PipelineFixture.logger).run { lines.append($0) }
        #expect(first.sent > 0 && first.lost == 0, "\(first)")
        #expect(first.predicted + first.deadLettered == first.sent, "\(first)")
        #expect(lines.contains { $0.hasPrefix("cluster at \(cluster.bootstrapServers); topics requests") }, "\(lines)")
        // A second run on the same cluster reads only its own records.
        let second = try DemoRunner(options: options, logger: PipelineFixture.logger).run { _ in }
        #expect(
            second.lost == 0 && second.duplicates == 0 && second.predicted + second.deadLettered == second.sent,
            "\(second)"
        )
    }
}
