import CRdKafka
import Synchronization

/// A Kafka producer over librdkafka with per-message delivery reports.
///
/// Each ``send(topic:partition:key:value:headers:token:)`` carries a caller-chosen `token` that
/// comes back in the ``DeliveryReport``, so the caller can match acknowledgements to its own
/// bookkeeping (input offsets, say) without a lookup table here. Reports are delivered from
/// ``poll(timeoutMilliseconds:)``, so a producer thread must poll regularly. Thread-safe.
@safe public final class KafkaProducer: @unchecked Sendable {
    private let client: RDKafkaClient
    /// librdkafka topic handles by name, created once and destroyed in `deinit`.
    private let topicHandles = Mutex<[String: TopicHandle]>([:])

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
        client = try RDKafkaClient(kind: RD_KAFKA_PRODUCER, configuration: configuration, context: context)
    }

    deinit {
        topicHandles.withLock { handles in
            for handle in handles.values { unsafe rd_kafka_topic_destroy(handle.pointer) }
        }
    }

    /// librdkafka's name for this client, e.g. `rdkafka#producer-1`.
    public var name: String { client.name }

    /// Messages not yet acknowledged (queued, in flight, or awaiting their delivery report).
    public var outstandingCount: Int { Int(unsafe rd_kafka_outq_len(client.handle)) }

    /// Enqueues one message; its bytes are copied, so the buffers may be reused on return.
    ///
    /// - Parameters:
    ///   - partition: a partition number, or nil for the configured partitioner (by key).
    ///   - token: returned in this message's ``DeliveryReport``.
    /// - Throws: ``KafkaError`` with code `.queueFull` when the local queue is full (poll to serve
    ///   delivery reports, then retry), or another code when librdkafka refuses the message.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer,
        headers: [KafkaHeader] = [],
        token: UInt
    ) throws(KafkaError) {
        let rkt = unsafe try topicHandle(topic)
        let headerList = unsafe makeHeaders(headers)
        let err = unsafe crdkafka_produce(
            client.handle,
            rkt,
            partition ?? RD_KAFKA_PARTITION_UA,
            value.baseAddress,
            value.count,
            key?.baseAddress,
            key?.count ?? 0,
            headerList,
            UnsafeMutableRawPointer(bitPattern: token)
        )
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let headerList = unsafe headerList { unsafe rd_kafka_headers_destroy(headerList) }
            throw .rdkafka(err, during: "produce to \(topic)")
        }
    }

    /// Enqueues one message from byte arrays; see ``send(topic:partition:key:value:headers:token:)``.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        token: UInt
    ) throws(KafkaError) {
        let result: Result<Void, KafkaError> = unsafe value.withUnsafeBytes { valueBytes in
            guard let key else {
                return Result { () throws(KafkaError) in
                    try unsafe send(topic: topic, partition: partition, key: nil, value: valueBytes, headers: headers, token: token)
                }
            }
            return unsafe key.withUnsafeBytes { keyBytes in
                Result { () throws(KafkaError) in
                    try unsafe send(
                        topic: topic, partition: partition, key: keyBytes, value: valueBytes, headers: headers, token: token
                    )
                }
            }
        }
        try result.get()
    }

    /// Serves delivery reports and other callbacks for up to `timeoutMilliseconds`; returns how
    /// many events were served.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32) -> Int {
        Int(unsafe rd_kafka_poll(client.handle, timeoutMilliseconds))
    }

    /// Waits until every outstanding message has its delivery report, serving them.
    ///
    /// - Throws: `.timedOut` naming how many messages are still outstanding.
    public func flush(timeoutMilliseconds: Int32) throws(KafkaError) {
        let err = unsafe rd_kafka_flush(client.handle, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .timedOut("flush: \(outstandingCount) messages still outstanding after \(timeoutMilliseconds) ms")
        }
    }

    /// Asks a broker for metadata; throws `.brokerUnreachable` when none answers in time.
    public func checkConnectivity(timeoutMilliseconds: Int32 = 5000) throws(KafkaError) {
        try client.checkConnectivity(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The partition count of `topic` from cluster metadata.
    public func partitionCount(topic: String, timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> Int {
        try client.partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The high watermark of each partition of `topic`: where the next record of each will land.
    public func highWatermarks(topic: String, timeoutMilliseconds: Int32 = 5000) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try client.highWatermarks(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }
}

extension KafkaProducer {
    /// An `rd_kafka_topic_t`; librdkafka's topic handles are thread-safe and live until `deinit`.
    @safe private struct TopicHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private func topicHandle(_ topic: String) throws(KafkaError) -> OpaquePointer {
        let handle: OpaquePointer? = unsafe topicHandles.withLock { handles in
            if let existing = handles[topic] { return unsafe existing.pointer }
            guard let created = unsafe rd_kafka_topic_new(client.handle, topic, nil) else { return nil }
            handles[topic] = unsafe TopicHandle(pointer: created)
            return unsafe created
        }
        guard let handle = unsafe handle else {
            throw .rdkafka(rd_kafka_last_error(), during: "topic handle for \(topic)")
        }
        return unsafe handle
    }

    private func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let list = unsafe rd_kafka_headers_new(headers.count)
        for header in headers {
            if let value = header.value {
                unsafe value.withUnsafeBytes { bytes in
                    _ = unsafe rd_kafka_header_add(list, header.name, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = unsafe rd_kafka_header_add(list, header.name, -1, nil, 0)
            }
        }
        return unsafe list
    }
}
