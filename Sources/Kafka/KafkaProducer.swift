/// A Kafka producer over librdkafka with per-message delivery reports.
///
/// Each ``send(topic:partition:key:value:headers:token:)`` carries a caller-chosen `token` that
/// comes back in the ``DeliveryReport``, so the caller can match acknowledgements to its own
/// bookkeeping (input offsets, say) without a lookup table here. Reports are delivered from
/// ``poll(timeoutMilliseconds:)``, so a producer thread must poll regularly. Thread-safe.
public final class KafkaProducer: Sendable {
    private let handle: RDKafkaProducerHandle

    /// Creates the producer; `onDelivery` receives one report per sent message.
    ///
    /// - Throws: ``KafkaError`` with code `.configuration` or `.clientCreation`.
    public init(
        configuration: KafkaConfiguration,
        events: KafkaEventHandlers = KafkaEventHandlers(),
        onDelivery: @escaping @Sendable (DeliveryReport) -> Void
    ) throws(KafkaError) {
        let context = RDKafkaCallbackContext(
            onLog: events.log,
            onError: events.error,
            onStatistics: events.statistics,
            onDelivery: onDelivery
        )
        handle = try RDKafkaProducerHandle(configuration: configuration, context: context)
    }

    /// librdkafka's name for this client, e.g. `rdkafka#producer-1`.
    public var name: String { handle.client.name }

    /// Messages not yet acknowledged (queued, in flight, or awaiting their delivery report).
    public var outstandingCount: Int { handle.outstandingCount }

    /// Enqueues one message; its bytes are copied, so the arrays may be reused on return.
    ///
    /// - Parameters:
    ///   - partition: a partition number, or nil for the configured partitioner (by key).
    ///   - key: nil sends a null key.
    ///   - value: nil sends a null value (a tombstone); an empty array sends an empty value.
    ///   - token: returned in this message's ``DeliveryReport``.
    /// - Throws: ``KafkaError`` with code `.queueFull` when the local queue is full (poll to serve
    ///   delivery reports, then retry), or another code when librdkafka refuses the message.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        token: UInt
    ) throws(KafkaError) {
        try handle.send(topic: topic, partition: partition, key: key, value: value, headers: headers, token: token)
    }

    /// Serves delivery reports and other callbacks for up to `timeoutMilliseconds`; returns how
    /// many events were served.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32) -> Int {
        handle.poll(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Waits until every outstanding message has its delivery report, serving them.
    ///
    /// - Throws: `.timedOut` naming how many messages are still outstanding.
    public func flush(timeoutMilliseconds: Int32) throws(KafkaError) {
        guard handle.flush(timeoutMilliseconds: timeoutMilliseconds) else {
            throw .timedOut("flush: \(outstandingCount) messages still outstanding after \(timeoutMilliseconds) ms")
        }
    }

    /// Registers this producer's `transactional.id` with its transaction coordinator, fencing any
    /// earlier producer with the same id and aborting the transaction that one left open. Call
    /// once, before the first ``beginTransaction()``; needs `transactional.id` in the configuration.
    ///
    /// - Throws: ``KafkaError`` with code `.retriable` (call again), `.fatal`, or another code.
    public func initTransactions(timeoutMilliseconds: Int32) throws(KafkaError) {
        try handle.initTransactions(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Starts a transaction: every message sent until it commits or aborts belongs to it.
    public func beginTransaction() throws(KafkaError) {
        try handle.beginTransaction()
    }

    /// Adds consumed offsets to the current transaction: they are committed for the group of
    /// `group` if, and only if, the transaction commits. Each offset is the next one to read.
    ///
    /// - Throws: ``KafkaError`` with code `.transactionAborted` (for example, the group was
    ///   rebalanced since `group` was taken), `.retriable`, `.fatal`, or another code.
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset],
        group: ConsumerGroupMetadata,
        timeoutMilliseconds: Int32
    ) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try handle.sendOffsetsToTransaction(offsets, group: group, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Flushes the transaction's messages and commits it with its offsets.
    ///
    /// - Throws: ``KafkaError`` with code `.transactionAborted` (abort, then redo the transaction),
    ///   `.retriable` (call again), `.fatal`, or another code.
    public func commitTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try handle.commitTransaction(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Aborts the current transaction: its messages are purged or marked aborted, invisible to
    /// `read_committed` consumers, and its offsets are not committed.
    public func abortTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try handle.abortTransaction(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Asks a broker for metadata; throws `.brokerUnreachable` when none answers in time.
    public func checkConnectivity(timeoutMilliseconds: Int32 = 5000) throws(KafkaError) {
        try handle.client.checkConnectivity(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The partition count of `topic` from cluster metadata.
    public func partitionCount(topic: String, timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> Int {
        try handle.client.partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The high watermark of each partition of `topic`: where the next record of each will land.
    public func highWatermarks(
        topic: String,
        timeoutMilliseconds: Int32 = 5000
    ) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try handle.client.highWatermarks(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }
}
