/// The broker's answer for one produced message.
public struct DeliveryReport: Sendable {
    /// The caller's token given to ``KafkaProducer/send(topic:partition:key:value:headers:token:)``.
    public var token: UInt
    public var partition: Int32
    /// The message's offset in its partition, or a negative value when unknown.
    public var offset: Int64
    /// Nil when the message was written; otherwise why it was not (after librdkafka's retries).
    public var error: KafkaError?
}
