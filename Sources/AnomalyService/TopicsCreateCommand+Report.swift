import Kafka

extension TopicsCreateCommand {
    /// The sizing arithmetic, one line per quantity, so an operator can check every number.
    func sizingReport(_ sizing: TopicSizing) -> String {
        let budget = TopicSizing.partitionBudgetBytesPerSecond
        var rows: [[String]] = []
        if let rate = sizing.load.recordsPerSecond, let bytesPerSecond = sizing.bytesPerSecond,
            let throughput = sizing.partitionsForThroughput
        {
            rows.append([
                "load",
                "\(TextTable.number(rate)) requests/s × \(TextTable.grouped(Int64(sizing.load.recordBytes))) B"
                    + " = \(TextTable.number(bytesPerSecond)) B/s (\(TextTable.bytes(bytesPerSecond))/s)",
            ])
            rows.append([
                "throughput",
                "ceil(\(TextTable.bytes(bytesPerSecond))/s ÷ \(TextTable.bytes(budget))/s per partition)"
                    + " = \(throughput) partition\(throughput == 1 ? "" : "s")",
            ])
        } else {
            rows.append(["load", "no --rate: partitions follow --max-consumers alone, and no retention.bytes"])
        }
        let consumers = sizing.load.maxConsumers
        rows.append([
            "scale-out", "--max-consumers \(consumers): at least \(consumers), a multiple of \(consumers)",
        ])
        if sizing.partitions == sizing.suggestedPartitions {
            rows.append(["partitions", "\(sizing.partitions)"])
        } else {
            let below = sizing.partitions < sizing.suggestedPartitions ? ", below it" : ""
            rows.append([
                "partitions",
                "\(sizing.partitions) (--partitions; the rule suggests \(sizing.suggestedPartitions)\(below))",
            ])
        }
        if let hours = sizing.retentionHours, let milliseconds = sizing.retentionMilliseconds {
            let assumed = sizing.load.retentionHours == nil ? " (no --retention: Kafka's default)" : ""
            rows.append([
                "retention.ms", "\(TextTable.number(hours)) h = \(TextTable.grouped(milliseconds)) ms\(assumed)",
            ])
        }
        if let perPartition = sizing.retentionBytesPerPartition, let bytesPerSecond = sizing.bytesPerSecond,
            let hours = sizing.retentionHours
        {
            let seconds = TextTable.number(hours * 3_600)
            rows.append([
                "retention.bytes",
                "\(TextTable.number(TopicSizing.retentionHeadroom)) × \(TextTable.number(bytesPerSecond)) B/s × \(seconds) s"
                    + " ÷ \(sizing.partitions) partitions = \(TextTable.grouped(perPartition)) B"
                    + " (\(TextTable.bytes(Double(perPartition)))) per partition",
            ])
            let cap = Double(perPartition) * Double(sizing.partitions)
            let planned = bytesPerSecond * hours * 3_600
            rows.append([
                "disk",
                "\(TextTable.bytes(planned)) per topic at the planned rate, at most \(TextTable.bytes(cap))"
                    + " (the cap), plus up to a segment per partition",
            ])
            if let replicationFactor {
                let factor = Double(replicationFactor)
                rows.append([
                    "with replicas",
                    "× \(replicationFactor) = \(TextTable.bytes(planned * factor)), at most \(TextTable.bytes(cap * factor))",
                ])
            }
        }
        var text = "Sizing\n" + TextTable.render(rows)
        if cluster.topics.count > 1 && sizing.retentionBytesPerPartition != nil {
            text += """

                  Every topic gets the same plan: predictions and dead letters are at most one per
                  request and smaller, so the cap sized for the requests bounds them too.
                """
        }
        return text
    }

    /// What will be created: the topics and the settings they share.
    func planReport(_ plan: [NewTopic]) -> String {
        guard let first = plan.first else { return "Plan: no topics" }
        let configs = first.configs.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        let rows = [
            ["topics", plan.map(\.name).joined(separator: ", ")],
            ["partitions", "\(first.partitions)"],
            ["replication factor", first.replicationFactor.map(String.init) ?? "the broker's default"],
            ["configs", configs.isEmpty ? "the broker's defaults" : configs],
        ]
        return "\nPlan\n" + TextTable.render(rows)
    }
}
