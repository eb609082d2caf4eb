import FoundationEssentials
import Kafka
import Service

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// For runs on an existing cluster whose topics other runs also use (`demo --brokers`,
/// `e2e-bench --brokers`): commits, for each of the run's own (new) consumer groups, the current
/// end of each topic it reads, so the group starts exactly at the records this run writes and
/// never reads an earlier run's. Topics must exist (create them with the cluster's tools, or
/// `anomaly-service broker --topics`) unless the cluster creates topics on first use (the
/// embedded broker does, with its default partition count).
public enum SharedClusterStart {
    /// A suffix for a run's group names that no other run shares: `-<epoch ms>-<pid>`.
    public static func runSuffix() -> String {
        "-\(Int(Date().timeIntervalSince1970 * 1_000))-\(getpid())"
    }

    /// - Parameter groups: group id to the topics it will read.
    /// - Throws: ``ServiceError`` `.startup` naming a missing topic or an unreachable cluster.
    public static func pin(groups: [String: [String]], brokers: String) throws(ServiceError) {
        let probe: KafkaProducer
        do {
            probe = try KafkaProducer(configuration: KafkaConfiguration.producer(bootstrapServers: brokers)) { _ in }
        } catch {
            throw .startup("cluster \(brokers): \(error)")
        }
        var ends: [String: [TopicPartitionOffset]] = [:]
        for topic in Set(groups.values.flatMap { $0 }).sorted() {
            let offsets: [TopicPartitionOffset]
            do {
                offsets = try probe.highWatermarks(topic: topic, timeoutMilliseconds: 10_000)
            } catch {
                throw .startup("topic \(topic) on \(brokers) is not usable (create it first): \(error)")
            }
            guard !offsets.isEmpty else {
                throw .startup("topic \(topic) on \(brokers) has no partitions (create it first)")
            }
            ends[topic] = offsets
        }
        for (group, topics) in groups.sorted(by: { $0.key < $1.key }) {
            do {
                try KafkaConsumer.commitOffsets(
                    configuration: KafkaConfiguration.consumer(bootstrapServers: brokers, groupID: group),
                    topics.flatMap { ends[$0] ?? [] }
                )
            } catch {
                throw .startup("setting group \(group)'s start on \(brokers): \(error)")
            }
        }
    }
}
