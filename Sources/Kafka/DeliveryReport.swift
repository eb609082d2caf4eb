/// The broker's answer for one produced message.
public struct DeliveryReport: Sendable {
    /// The caller's token given to ``KafkaProducer/send(topic:partition:key:value:headers:token:)``.
    public var token: UInt
    public var partition: Int32
    /// The message's offset in its partition, or a negative value when unknown.
    public var offset: Int64
    /// Nil when the message was written; otherwise why it was not (after librdkafka's retries).
    public var error: KafkaError?
    /// For a failed delivery only: the message as it was sent, so the caller can still answer for
    /// it some other way. Nil for a delivered message: the copy is paid on failure alone.
    public var undelivered: UndeliveredMessage?

    public init(
        token: UInt,
        partition: Int32,
        offset: Int64,
        error: KafkaError? = nil,
        undelivered: UndeliveredMessage? = nil
    ) {
        self.token = token
        self.partition = partition
        self.offset = offset
        self.error = error
        self.undelivered = undelivered
    }
}

/// A message the broker (or librdkafka) refused for good, copied out of its delivery report.
public struct UndeliveredMessage: Sendable {
    public var topic: String
    public var key: [UInt8]?
    /// Nil for a null value (a tombstone).
    public var value: [UInt8]?

    public init(topic: String, key: [UInt8]?, value: [UInt8]?) {
        self.topic = topic
        self.key = key
        self.value = value
    }
}
