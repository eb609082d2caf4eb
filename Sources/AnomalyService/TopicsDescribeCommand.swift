import ArgumentParser
import Kafka
import Platform

/// `anomaly-service topics describe`: partitions, replication, leaders and configs of topics.
struct TopicsDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Print the partitions, leaders, replicas, in-sync replicas and configs of topics.",
        discussion: """
            Partitions come from the cluster's metadata; configs from DescribeConfigs, where the broker \
            answers it (librdkafka's mock cluster does not: its configs are reported as unavailable). \
            Shows retention, cleanup, size and replication configs and every config set on the topic or \
            the broker; --all-configs shows the rest too. Exits 1 when a topic does not exist.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .customLong("all-configs"), help: "Show every config, defaults included.")
    var allConfigs = false

    /// Shown even at their defaults: what decides how long data stays and how safely it is written.
    static let keyConfigs: Set<String> = [
        "cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "max.message.bytes",
        "min.insync.replicas", "compression.type",
    ]

    func validate() throws {
        guard cluster.bootstrapServer != nil else { throw ValidationError("--bootstrap-server is required") }
    }

    func run() throws {
        let bootstrap = cluster.bootstrapServer ?? ""
        let (admin, metadata, _) = try cluster.connect(to: bootstrap)
        print("Cluster at \(bootstrap): \(metadata.summary)")
        let found = cluster.topics.compactMap { metadata.topic(named: $0) }
        let configs = describeConfigs(of: found.map(\.name), admin: admin, cluster: metadata)
        if let unavailable = configs.unavailable { print("Configs: unavailable: \(unavailable)") }
        for topic in found {
            print("\n" + describe(topic, configs: configs.byTopic[topic.name], unavailable: configs.unavailable))
        }
        let missing = cluster.topics.filter { metadata.topic(named: $0) == nil }
        for name in missing {
            printError("\nTopic \(name) does not exist on \(bootstrap).")
        }
        if !missing.isEmpty { throw ExitCode(1) }
    }

    private struct Configs {
        var byTopic: [String: Result<[TopicConfigEntry], KafkaError>] = [:]
        /// Why no topic's configs could be had, when the request as a whole failed.
        var unavailable: String?
    }

    private func describeConfigs(of names: [String], admin: KafkaAdmin, cluster metadata: ClusterMetadata) -> Configs {
        do {
            return Configs(
                byTopic: try admin.describeTopicConfigs(names, timeoutMilliseconds: cluster.timeoutMilliseconds)
            )
        } catch {
            return Configs(unavailable: error.sentence(cluster: metadata))
        }
    }

    private func describe(
        _ topic: ClusterMetadata.Topic,
        configs: Result<[TopicConfigEntry], KafkaError>?,
        unavailable: String?
    )
        -> String
    {
        let underReplicated = topic.partitions.filter(\.isUnderReplicated).count
        var lines = [
            "Topic \(topic.name): \(topic.partitions.count) partitions, replication factor \(topic.replicationFactor)"
                + (underReplicated > 0 ? ", \(underReplicated) under-replicated" : "")
        ]
        if let error = topic.error { lines.append("  the cluster reports: \(error.sentence(cluster: nil))") }
        let rows = topic.partitions.map { partition in
            var notes: [String] = []
            if partition.leader < 0 { notes.append("offline: no leader") }
            if partition.isUnderReplicated { notes.append("under-replicated") }
            if let error = partition.error { notes.append(error.reason.escapedForLog) }
            return [
                String(partition.id), partition.leader < 0 ? "none" : String(partition.leader),
                partition.replicas.map(String.init).joined(separator: ","),
                partition.inSyncReplicas.map(String.init).joined(separator: ","), notes.joined(separator: "; "),
            ]
        }
        lines.append(TextTable.render(rows, header: ["partition", "leader", "replicas", "in-sync", ""]))
        switch configs {
        case .none:
            lines.append(
                unavailable == nil
                    ? "  configs: the broker did not describe this topic" : "  configs: unavailable (above)"
            )
        case .some(.failure(let error)):
            lines.append("  configs: the broker refused to describe them: \(error.sentence(cluster: nil))")
        case .some(.success(let entries)):
            let shown = entries.filter { allConfigs || Self.keyConfigs.contains($0.name) || !$0.isDefault }
                .sorted { $0.name < $1.name }
            if shown.isEmpty {
                lines.append("  configs: none reported")
            } else {
                let rows = shown.map { entry in
                    [
                        entry.name, entry.isSensitive ? "(sensitive)" : (entry.value ?? "(none)").escapedForLog,
                        entry.source,
                    ]
                }
                lines.append(TextTable.render(rows, header: ["config", "value", "source"]))
            }
        }
        return lines.joined(separator: "\n")
    }
}
