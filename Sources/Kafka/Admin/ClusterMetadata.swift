/// What a metadata request says about a cluster: its brokers, its controller and its topics with
/// their partitions' leaders, replicas and in-sync replicas.
public struct ClusterMetadata: Sendable {
    /// One broker as the metadata names it.
    public struct Broker: Sendable, Equatable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    /// One partition: `leader` is -1 while it has none (offline).
    public struct Partition: Sendable {
        public var id: Int32
        public var leader: Int32
        public var replicas: [Int32]
        public var inSyncReplicas: [Int32]
        /// The partition's error (e.g. no leader), if the broker reported one.
        public var error: KafkaError?

        /// Whether fewer replicas are in sync than are assigned.
        public var isUnderReplicated: Bool { inSyncReplicas.count < replicas.count }
    }

    /// One topic, with its partitions in partition order.
    public struct Topic: Sendable {
        public var name: String
        public var partitions: [Partition]
        /// The topic's error (e.g. not authorised), if the broker reported one.
        public var error: KafkaError?

        /// The replication factor: the replica count of the first partition (Kafka assigns every
        /// partition of a topic the same count unless an operator reassigned some).
        public var replicationFactor: Int { partitions.first?.replicas.count ?? 0 }
    }

    public var brokers: [Broker]
    /// Topics sorted by name, internal ones (`__consumer_offsets`) included.
    public var topics: [Topic]
    /// The broker id the cluster names as its controller, or nil when it names none in time. A
    /// cluster whose controller is not among ``brokers`` cannot answer admin requests.
    public var controllerID: Int32?
    /// The cluster's id, or nil for brokers too old to send one.
    public var clusterID: String?
    /// The broker that answered, as librdkafka names it (`host:port/id`).
    public var answeredBy: String

    /// The topic named `name`, if the cluster has it.
    public func topic(named name: String) -> Topic? {
        topics.first { $0.name == name }
    }

    /// Whether the controller is one of the brokers, so that admin requests have somewhere to go.
    public var hasReachableController: Bool {
        guard let controllerID else { return false }
        return brokers.contains { $0.id == controllerID }
    }
}
