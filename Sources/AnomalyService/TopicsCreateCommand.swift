import ArgumentParser
import Kafka
import Platform

/// `anomaly-service topics create`: the service's topics, sized from the expected load.
struct TopicsCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create topics sized for the expected load; report the ones that exist.",
        discussion: """
            Partitions, unless --partitions is given: at least ceil(rate × message bytes ÷ 2 MiB/s), so \
            each partition carries at most 2 MiB/s (about a fifth of what one sustains); at least \
            --max-consumers, since each group member needs a partition; the larger, rounded up to a \
            multiple of --max-consumers. With --rate, retention.ms comes from --retention (default 168 \
            hours) and retention.bytes (per partition) is twice what a partition receives in that time, \
            a cap that only bites above twice the planned rate. --config wins over both. \
            An existing topic is reported and left alone; it is an error only when its partition count \
            differs from the plan. --dry-run asks the cluster which topics exist and creates nothing; \
            without --bootstrap-server it only prints the plan.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Partitions of each topic (default: the sizing's suggestion).")
    var partitions: Int32?

    @Option(
        name: .customLong("replication-factor"),
        help: "Replicas of each partition (default: the broker's default.replication.factor; Kafka 2.4 or later)."
    )
    var replicationFactor: Int32?

    @Option(
        name: .customLong("config"),
        help: "Topic config key=value, e.g. cleanup.policy=delete (repeatable; wins over the sizing's)."
    )
    var configArguments: [String] = []

    @Option(help: "Expected peak requests per second, for the sizing.")
    var rate: Double?

    @Option(help: "Hours to keep records: retention.ms (with --rate, default 168).")
    var retention: Double?

    @Option(name: .customLong("message-bytes"), help: "Average record size in bytes, for the sizing.")
    var messageBytes: Int = 1_000

    @Option(
        name: .customLong("max-consumers"),
        help: "The most consumers the group should spread over (instances × --consumers each); each needs a partition."
    )
    var maxConsumers: Int = 8

    @Flag(name: .customLong("dry-run"), help: "Print the plan and which topics exist; create nothing.")
    var dryRun = false

    func validate() throws {
        if let partitions, partitions < 1 {
            throw ValidationError("--partitions must be at least 1, got \(partitions)")
        }
        if let replicationFactor, replicationFactor < 1 {
            throw ValidationError("--replication-factor must be at least 1, got \(replicationFactor)")
        }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be positive, got \(rate)") }
        if let retention, !(retention > 0 && retention.isFinite) {
            throw ValidationError("--retention must be a positive number of hours, got \(retention)")
        }
        guard messageBytes >= 1 else {
            throw ValidationError("--message-bytes must be at least 1, got \(messageBytes)")
        }
        guard maxConsumers >= 1 else {
            throw ValidationError("--max-consumers must be at least 1, got \(maxConsumers)")
        }
        _ = try topicConfigs()
        guard cluster.bootstrapServer != nil || dryRun else {
            throw ValidationError("--bootstrap-server is required (or --dry-run, to print the plan only)")
        }
    }

    func run() throws {
        let extraConfigs = try topicConfigs()
        let sizing = TopicSizing(
            TopicSizing.Load(
                recordsPerSecond: rate,
                recordBytes: messageBytes,
                retentionHours: retention,
                maxConsumers: maxConsumers
            ),
            partitions: partitions.map(Int.init)
        )
        let plan = cluster.topics.map { name in
            NewTopic(
                name: name,
                partitions: Int32(sizing.partitions),
                replicationFactor: replicationFactor,
                configs: merged(sizing.configs, with: extraConfigs)
            )
        }
        print(sizingReport(sizing))
        print(planReport(plan))
        guard let bootstrap = cluster.bootstrapServer else {
            print("Dry run without --bootstrap-server: no cluster was asked which topics exist; nothing was created.")
            return
        }
        let (admin, metadata, clientErrors) = try cluster.connect(to: bootstrap)
        print("\nCluster at \(bootstrap): \(metadata.summary)")
        var failed = false
        var missing: [NewTopic] = []
        for topic in plan {
            guard let existing = metadata.topic(named: topic.name) else {
                missing.append(topic)
                continue
            }
            if !report(existing: existing, planned: topic) { failed = true }
        }
        if dryRun {
            for topic in missing { print("\(topic.name): does not exist; would be created.") }
            print("Dry run: nothing was created.")
            if failed { throw ExitCode(1) }
            return
        }
        if !missing.isEmpty && !create(missing, admin: admin, on: bootstrap, cluster: metadata, errors: clientErrors) {
            failed = true
        }
        if failed { throw ExitCode(1) }
    }

    /// Reports a topic that exists; false when its partition count differs from the plan.
    private func report(existing: ClusterMetadata.Topic, planned: NewTopic) -> Bool {
        let count = existing.partitions.count
        if let error = existing.error, count == 0 {
            printError("\(planned.name): exists, but the cluster reports: \(error.sentence(cluster: nil))")
            return false
        }
        guard count == Int(planned.partitions) else {
            printError(
                """
                \(planned.name): exists with \(count) partitions, not the \(planned.partitions) planned; \
                left as it is. Kafka cannot take partitions away, and adding some moves keys to other \
                partitions: pass --partitions \(count) to accept it, or add partitions with \
                kafka-topics.sh --alter.
                """
            )
            return false
        }
        let replication = existing.replicationFactor
        print(
            "\(planned.name): exists with \(count) partitions, as planned (replication factor \(replication)); left as it is."
        )
        return true
    }

    /// Creates `topics` in one request and reports each; false when any failed.
    private func create(
        _ topics: [NewTopic],
        admin: KafkaAdmin,
        on bootstrap: String,
        cluster metadata: ClusterMetadata,
        errors: ClientErrorRecorder
    ) -> Bool {
        let outcomes: [NewTopic.Outcome]
        do {
            outcomes = try admin.createTopics(topics, timeoutMilliseconds: cluster.timeoutMilliseconds)
        } catch {
            let names = topics.map(\.name).joined(separator: ", ")
            printError(
                "Could not create \(names) on \(bootstrap): \(error.sentence(cluster: metadata))\(errors.suffix)"
            )
            return false
        }
        var succeeded = true
        var raced: [NewTopic] = []
        for outcome in outcomes {
            let planned = topics.first { $0.name == outcome.name }
            switch outcome.error {
            case .none:
                print("\(outcome.name): created with \(planned?.partitions ?? 0) partitions.")
            case .some(let error) where error.code == .topicAlreadyExists:
                // Created by someone else since the metadata was read: judged below like any other.
                if let planned { raced.append(planned) }
            case .some(let error):
                printError(
                    "Could not create topic \(outcome.name) on \(bootstrap): \(error.sentence(cluster: metadata))"
                )
                succeeded = false
            }
        }
        guard !raced.isEmpty else { return succeeded }
        guard let fresh = try? admin.metadata(timeoutMilliseconds: cluster.timeoutMilliseconds) else {
            printError("\(raced.map(\.name).joined(separator: ", ")): created by someone else meanwhile; not checked.")
            return false
        }
        for topic in raced {
            guard let existing = fresh.topic(named: topic.name) else { continue }
            if !report(existing: existing, planned: topic) { succeeded = false }
        }
        return succeeded
    }

    /// The `--config` pairs, in order.
    private func topicConfigs() throws -> [NewTopic.Config] {
        try configArguments.map { pair in
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--config '\(pair.escapedForLog)' is not of the form key=value")
            }
            return NewTopic.Config(key: String(pair[..<equals]), value: String(pair[pair.index(after: equals)...]))
        }
    }

    /// `base` with each of `overrides` replacing the entry of the same key, or appended.
    private func merged(_ base: [NewTopic.Config], with overrides: [NewTopic.Config]) -> [NewTopic.Config] {
        var configs = base
        for config in overrides {
            if let index = configs.firstIndex(where: { $0.key == config.key }) {
                configs[index] = config
            } else {
                configs.append(config)
            }
        }
        return configs
    }
}
