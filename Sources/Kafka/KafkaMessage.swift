/// One record consumed from Kafka, its bytes copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// The value's bytes; empty for a null value too (see ``isTombstone``).
    public var value: [UInt8]
    /// Whether the value is null (a tombstone) rather than present, perhaps empty. A flag beside
    /// `value`, not an optional `value`, so readers that only want bytes see an empty value.
    public var isTombstone: Bool
    /// Milliseconds since the epoch, or nil when the broker gave none.
    public var timestampMilliseconds: Int64?
    public var headers: [KafkaHeader]

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        timestampMilliseconds: Int64? = nil,
        headers: [KafkaHeader] = [],
        isTombstone: Bool = false
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
        self.headers = headers
        self.isTombstone = isTombstone
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// A Kafka record header; `value` nil is a header with a null value.
public struct KafkaHeader: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.name = name
        self.value = Array(string.utf8)
    }
}
