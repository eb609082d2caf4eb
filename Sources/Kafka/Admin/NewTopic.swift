/// A topic to create: its name, partition count, replication factor and topic configs.
public struct NewTopic: Sendable, Equatable {
    public var name: String
    public var partitions: Int32
    /// Replicas of each partition; nil takes the broker's `default.replication.factor` (brokers
    /// from Kafka 2.4 on).
    public var replicationFactor: Int32?
    /// Topic configs (`retention.ms`, `cleanup.policy`, ...), sent in this order.
    public var configs: [Config]

    /// One topic config.
    public struct Config: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(name: String, partitions: Int32, replicationFactor: Int32? = nil, configs: [Config] = []) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }

    /// What the cluster answered for one topic of a create request.
    public struct Outcome: Sendable {
        public var name: String
        /// nil when the topic was created; `.topicAlreadyExists` when it was there already; else
        /// the broker's refusal, its own explanation as the reason.
        public var error: KafkaError?
    }

    /// Whether `name` is a legal Kafka topic name: 1 to 249 of `a-z A-Z 0-9 . _ -`, and not `.` or
    /// `..` (the broker's own rule, checked before asking it).
    public static func isLegalName(_ name: String) -> Bool {
        guard (1...249).contains(name.utf8.count), name != ".", name != ".." else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}
