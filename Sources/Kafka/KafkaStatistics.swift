import FoundationEssentials

/// The parts of librdkafka's statistics JSON (`statistics.interval.ms`) the service watches.
public struct KafkaStatistics: Sendable {
    /// Per-partition consumer and fetch state.
    public struct Partition: Sendable, Hashable {
        public var topic: String
        public var partition: Int32
        /// High watermark minus the committed (or, before a commit, the consumed) offset; -1 unknown.
        public var consumerLag: Int64
        /// Messages fetched and waiting in librdkafka's local queue.
        public var fetchQueueMessages: Int64
        public var fetchQueueBytes: Int64
        public var committedOffset: Int64
        public var storedOffset: Int64
        public var highWatermark: Int64
    }

    /// librdkafka's client name and type ("consumer" or "producer").
    public var clientName: String
    public var clientType: String
    /// Messages and bytes waiting in a producer's queues.
    public var producerQueueMessages: Int64
    public var producerQueueBytes: Int64
    /// Events waiting to be served by `poll`.
    public var replyQueue: Int64
    /// Brokers whose state is `UP`, and all brokers known (bootstrap entries excluded).
    public var brokersUp: Int
    public var brokersKnown: Int
    public var partitions: [Partition]

    /// Sum of the known per-partition lags.
    public var totalConsumerLag: Int64 {
        partitions.reduce(0) { $0 + max(0, $1.consumerLag) }
    }

    /// Parses one statistics document; nil when it is not librdkafka's statistics JSON.
    public init?(json: [UInt8]) {
        guard let root = try? JSONDecoder().decode(Document.self, from: Data(json)) else { return nil }
        clientName = root.name ?? ""
        clientType = root.type ?? ""
        producerQueueMessages = root.messages ?? -1
        producerQueueBytes = root.messageBytes ?? -1
        replyQueue = root.replyQueue ?? -1
        let brokers = root.brokers.values.filter { ($0.nodeID ?? -1) >= 0 }
        brokersKnown = brokers.count
        brokersUp = brokers.filter { $0.state == "UP" }.count
        var partitions: [Partition] = []
        for (topicName, topic) in root.topics {
            for entry in topic.partitions.values {
                let number = entry.partition ?? -1
                guard number >= 0 else { continue }  // -1 is librdkafka's internal unassigned partition
                partitions.append(
                    Partition(
                        topic: topicName,
                        partition: Int32(truncatingIfNeeded: number),
                        consumerLag: entry.consumerLag ?? -1,
                        fetchQueueMessages: entry.fetchQueueMessages ?? -1,
                        fetchQueueBytes: entry.fetchQueueBytes ?? -1,
                        committedOffset: entry.committedOffset ?? -1,
                        storedOffset: entry.storedOffset ?? -1,
                        highWatermark: entry.highWatermark ?? -1
                    )
                )
            }
        }
        self.partitions = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}

// The parts of the document read, by librdkafka's names (its STATISTICS.md). Each field is read
// leniently: a value missing or of another type reads as nil, so one odd field costs that figure,
// not the document.
extension KafkaStatistics {
    private struct Document: Decodable {
        var name: String?
        var type: String?
        var messages: Int64?
        var messageBytes: Int64?
        var replyQueue: Int64?
        var brokers: [String: Broker]
        var topics: [String: Topic]

        enum CodingKeys: String, CodingKey {
            case name, type, brokers, topics
            case messages = "msg_cnt"
            case messageBytes = "msg_size"
            case replyQueue = "replyq"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            name = fields.lenient(String.self, .name)
            type = fields.lenient(String.self, .type)
            messages = fields.lenient(Int64.self, .messages)
            messageBytes = fields.lenient(Int64.self, .messageBytes)
            replyQueue = fields.lenient(Int64.self, .replyQueue)
            brokers = fields.lenient([String: Broker].self, .brokers) ?? [:]
            topics = fields.lenient([String: Topic].self, .topics) ?? [:]
        }
    }

    private struct Broker: Decodable {
        var nodeID: Int64?
        var state: String?

        enum CodingKeys: String, CodingKey {
            case state
            case nodeID = "nodeid"
        }

        init(from decoder: any Decoder) throws {
            let fields = try? decoder.container(keyedBy: CodingKeys.self)
            nodeID = fields?.lenient(Int64.self, .nodeID)
            state = fields?.lenient(String.self, .state)
        }
    }

    private struct Topic: Decodable {
        var partitions: [String: PartitionEntry]

        enum CodingKeys: String, CodingKey { case partitions }

        init(from decoder: any Decoder) throws {
            let fields = try? decoder.container(keyedBy: CodingKeys.self)
            partitions = fields?.lenient([String: PartitionEntry].self, .partitions) ?? [:]
        }
    }

    private struct PartitionEntry: Decodable {
        var partition: Int64?
        var consumerLag: Int64?
        var fetchQueueMessages: Int64?
        var fetchQueueBytes: Int64?
        var committedOffset: Int64?
        var storedOffset: Int64?
        var highWatermark: Int64?

        enum CodingKeys: String, CodingKey {
            case partition
            case consumerLag = "consumer_lag"
            case fetchQueueMessages = "fetchq_cnt"
            case fetchQueueBytes = "fetchq_size"
            case committedOffset = "committed_offset"
            case storedOffset = "stored_offset"
            case highWatermark = "hi_offset"
        }

        init(from decoder: any Decoder) throws {
            let fields = try? decoder.container(keyedBy: CodingKeys.self)
            partition = fields?.lenient(Int64.self, .partition)
            consumerLag = fields?.lenient(Int64.self, .consumerLag)
            fetchQueueMessages = fields?.lenient(Int64.self, .fetchQueueMessages)
            fetchQueueBytes = fields?.lenient(Int64.self, .fetchQueueBytes)
            committedOffset = fields?.lenient(Int64.self, .committedOffset)
            storedOffset = fields?.lenient(Int64.self, .storedOffset)
            highWatermark = fields?.lenient(Int64.self, .highWatermark)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is missing or of another type.
    fileprivate func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
