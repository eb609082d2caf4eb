import Kafka

extension Pipeline {
    /// What `/readyz` reports: nothing when the service has partitions, sees a broker and has no
    /// partition stuck at its in-flight limit (a model it always has once running: a bad model
    /// stops `serve` at start).
    public func notReady() -> [String] {
        var reasons: [String] = []
        if assignment().isEmpty { reasons.append("no partitions assigned") }
        if let brokersUp, brokersUp == 0 { reasons.append("no broker up") }
        let stalled = partitionsPausedByInFlightLimit
        if !stalled.isEmpty {
            let names = stalled.prefix(5).map(\.description).joined(separator: ", ")
            reasons.append(
                "\(stalled.count) partition(s) paused at max-in-flight-per-partition (\(configuration.maxInFlightPerPartition) unacknowledged): \(names)\(stalled.count > 5 ? ", ..." : "")"
            )
        }
        return reasons
    }
}
