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
                "\(NumberText.number(rate)) requests/s × \(NumberText.grouped(sizing.load.recordBytes)) B"
                    + " = \(NumberText.number(bytesPerSecond)) B/s (\(NumberText.bytes(bytesPerSecond))/s)",
            ])
            rows.append([
                "throughput",
                "ceil(\(NumberText.bytes(bytesPerSecond))/s ÷ \(NumberText.bytes(budget))/s per partition)"
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
                "retention.ms", "\(NumberText.number(hours)) h = \(NumberText.grouped(Int(milliseconds))) ms\(assumed)",
            ])
        }
        if let perPartition = sizing.retentionBytesPerPartition, let bytesPerSecond = sizing.bytesPerSecond,
            let hours = sizing.retentionHours
        {
            let seconds = NumberText.number(hours * 3_600)
            rows.append([
                "retention.bytes",
                "\(NumberText.number(TopicSizing.retentionHeadroom)) × \(NumberText.number(bytesPerSecond)) B/s × \(seconds) s"
                    + " ÷ \(sizing.partitions) partitions = \(NumberText.grouped(Int(perPartition))) B"
                    + " (\(NumberText.bytes(Double(perPartition)))) per partition",
            ])
            let cap = Double(perPartition) * Double(sizing.partitions)
            let planned = bytesPerSecond * hours * 3_600
            rows.append([
                "disk",
                "\(NumberText.bytes(planned)) per topic at the planned rate, at most \(NumberText.bytes(cap))"
                    + " (the cap), plus up to a segment per partition",
            ])
            if let replicationFactor {
                let factor = Double(replicationFactor)
                rows.append([
                    "with replicas",
                    "× \(replicationFactor) = \(NumberText.bytes(planned * factor)), at most \(NumberText.bytes(cap * factor))",
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
