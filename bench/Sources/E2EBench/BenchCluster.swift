import Demo
import Foundation
import Kafka

/// Where a run's records live: a fresh embedded broker, or an existing cluster given with
/// `--brokers`, whose topics (`requests`, `predictions`, `requests.dlq`) must exist; there each run
/// uses consumer groups of its own, started at the topics' current ends (`SharedClusterStart`),
/// so runs never read each other's records and need no clean-up between them.
struct BenchCluster {
    let bootstrapServers: String
    /// The input topic's name, also the Avro drain's registry subject (`requests-value`).
    static let inputTopic = "requests"
    let input = inputTopic
    let output = "predictions"
    let deadLetter = "requests.dlq"
    /// Appended to every group id on an external cluster.
    let suffix: String
    let external: Bool
    /// Kept alive for the run; nil on an external cluster.
    private let embedded: EmbeddedBroker?

    init(brokers: String?, partitions: Int32) throws {
        external = brokers != nil
        suffix = brokers == nil ? "" : SharedClusterStart.runSuffix()
        if let brokers {
            bootstrapServers = brokers
            embedded = nil
        } else {
            let broker = try EmbeddedBroker(topics: [input: partitions, output: partitions, deadLetter: partitions])
            bootstrapServers = broker.bootstrapServers
            embedded = broker
        }
    }

    /// Starts `group` (already suffixed) at the input's current end: call before preloading.
    func startAtInputEnd(group: String) throws {
        guard external else { return }
        try SharedClusterStart.pin(groups: [group: [input]], brokers: bootstrapServers)
    }
}
