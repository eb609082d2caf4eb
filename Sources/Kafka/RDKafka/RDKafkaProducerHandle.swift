import CRdKafka
import Synchronization

/// A producer's `rd_kafka_t` with its cached topic handles: every librdkafka call a
/// ``KafkaProducer`` makes.
///
/// librdkafka's producer and topic handles are thread-safe; the topic-handle cache sits behind a
/// mutex, and the handles are destroyed in `deinit`, before the client (declaration order).
@safe final class RDKafkaProducerHandle: @unchecked Sendable {
    let client: RDKafkaClient
    private let topicHandles = Mutex<[String: TopicHandle]>([:])

    init(configuration: KafkaConfiguration, context: RDKafkaCallbackContext) throws(KafkaError) {
        client = try RDKafkaClient(kind: .producer, configuration: configuration, context: context)
    }

    deinit {
        topicHandles.withLock { handles in
            for handle in handles.values { unsafe rd_kafka_topic_destroy(handle.pointer) }
        }
    }

    /// Messages not yet acknowledged (queued, in flight, or awaiting their delivery report).
    var outstandingCount: Int { Int(unsafe rd_kafka_outq_len(client.handle)) }

    /// Enqueues one message, copying its bytes (`RD_KAFKA_MSG_F_COPY`); a nil key or value is null.
    func send(
        topic: String,
        partition: Int32?,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader],
        token: UInt
    ) throws(KafkaError) {
        let rkt = unsafe try topicHandle(topic)
        let headerList = unsafe makeHeaders(headers)
        let err = unsafe withOptionalBytes(value) { valueBytes in
            unsafe withOptionalBytes(key) { keyBytes in
                unsafe crdkafka_produce(
                    client.handle,
                    rkt,
                    partition ?? RD_KAFKA_PARTITION_UA,
                    valueBytes?.baseAddress,
                    valueBytes?.count ?? 0,
                    keyBytes?.baseAddress,
                    keyBytes?.count ?? 0,
                    headerList,
                    UnsafeMutableRawPointer(bitPattern: token)
                )
            }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let headerList = unsafe headerList { unsafe rd_kafka_headers_destroy(headerList) }
            throw .rdkafka(err, during: "produce to \(topic)")
        }
    }

    /// Serves delivery reports and other callbacks; returns how many events were served.
    func poll(timeoutMilliseconds: Int32) -> Int {
        Int(unsafe rd_kafka_poll(client.handle, timeoutMilliseconds))
    }

    /// Waits until every outstanding message has its delivery report; false on timeout.
    func flush(timeoutMilliseconds: Int32) -> Bool {
        unsafe rd_kafka_flush(client.handle, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

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

/// Calls `body` with `bytes`' buffer, or with nil when there are none. An empty array still gets
/// an address: librdkafka sends a null for a nil pointer, and an empty value is not a null one.
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    guard !bytes.isEmpty else {
        return unsafe withUnsafeBytes(of: UInt8(0)) { byte in
            unsafe body(UnsafeRawBufferPointer(start: byte.baseAddress, count: 0))
        }
    }
    return unsafe bytes.withUnsafeBytes { unsafe body($0) }
}
