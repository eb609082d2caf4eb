import Foundation

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
        guard let root = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        clientName = root["name"] as? String ?? ""
        clientType = root["type"] as? String ?? ""
        producerQueueMessages = Self.int(root["msg_cnt"])
        producerQueueBytes = Self.int(root["msg_size"])
        replyQueue = Self.int(root["replyq"])
        let brokers = (root["brokers"] as? [String: Any] ?? [:]).values.compactMap { $0 as? [String: Any] }
            .filter { Self.int($0["nodeid"]) >= 0 }
        brokersKnown = brokers.count
        brokersUp = brokers.filter { $0["state"] as? String == "UP" }.count
        var partitions: [Partition] = []
        for (topicName, topicValue) in root["topics"] as? [String: Any] ?? [:] {
            guard let topic = topicValue as? [String: Any] else { continue }
            for (_, partitionValue) in topic["partitions"] as? [String: Any] ?? [:] {
                guard let entry = partitionValue as? [String: Any] else { continue }
                let number = Self.int(entry["partition"])
                guard number >= 0 else { continue }  // -1 is librdkafka's internal unassigned partition
                partitions.append(
                    Partition(
                        topic: topicName,
                        partition: Int32(number),
                        consumerLag: Self.int(entry["consumer_lag"]),
                        fetchQueueMessages: Self.int(entry["fetchq_cnt"]),
                        fetchQueueBytes: Self.int(entry["fetchq_size"]),
                        committedOffset: Self.int(entry["committed_offset"]),
                        storedOffset: Self.int(entry["stored_offset"]),
                        highWatermark: Self.int(entry["hi_offset"])
                    )
                )
            }
        }
        self.partitions = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    private static func int(_ value: Any?) -> Int64 {
        (value as? NSNumber)?.int64Value ?? -1
    }
}
