import CRdKafka
import Synchronization

/// A consumer's `rd_kafka_t` and its consumer queue: every librdkafka call a ``KafkaConsumer``
/// makes, in Swift types.
///
/// librdkafka's consumer calls are thread-safe; the topic-name cache sits behind a mutex. The
/// queue reference is released in `deinit`, before the client (declaration order), after the
/// owner has closed the consumer.
@safe final class RDKafkaConsumerHandle: @unchecked Sendable {
    let client: RDKafkaClient
    /// The consumer queue (`rd_kafka_queue_get_consumer`), one reference.
    private let queue: OpaquePointer
    /// Topic names by librdkafka topic handle, so that a poll does not build a String per message.
    private let topicNames = Mutex<[TopicNameCacheEntry]>([])

    init(configuration: KafkaConfiguration, context: RDKafkaCallbackContext) throws(KafkaError) {
        client = try RDKafkaClient(kind: .consumer, configuration: configuration, context: context)
        unsafe rd_kafka_poll_set_consumer(client.handle)
        guard let queue = unsafe rd_kafka_queue_get_consumer(client.handle) else {
            throw .clientCreation("librdkafka gave no consumer queue")
        }
        unsafe self.queue = unsafe queue
    }

    deinit {
        unsafe rd_kafka_queue_destroy(queue)
    }

    func subscribe(_ topics: [String]) throws(KafkaError) {
        let subscription = RDKafkaTopicPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        try KafkaError.check(unsafe rd_kafka_subscribe(client.handle, subscription.pointer), during: "subscribe")
    }

    /// Takes up to `maxMessages` records already queued, without waiting; serves callbacks.
    func takeQueued(into messages: inout [KafkaMessage], maxMessages: Int) -> Int {
        unsafe withUnsafeTemporaryAllocation(
            of: UnsafeMutablePointer<rd_kafka_message_t>?.self,
            capacity: maxMessages
        ) { batch in
            let count = unsafe rd_kafka_consume_batch_queue(queue, 0, batch.baseAddress, maxMessages)
            var appended = 0
            for index in 0..<max(0, count) {
                guard let message = unsafe batch[index] else { continue }
                appended += unsafe append(message, to: &messages)
            }
            return appended
        }
    }

    /// Waits up to `timeoutMilliseconds` for one record; serves callbacks meanwhile.
    func waitForOne(into messages: inout [KafkaMessage], timeoutMilliseconds: Int32) -> Int {
        guard let message = unsafe rd_kafka_consume_queue(queue, timeoutMilliseconds) else { return 0 }
        return unsafe append(message, to: &messages)
    }

    func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(unsafe rd_kafka_offsets_store(client.handle, list.pointer), during: "store offsets")
        if let error = list.firstError(during: "store offset") { throw error }
    }

    /// Commits the stored offsets synchronously. Nothing stored is not an error.
    func commitStored() throws(KafkaError) {
        let err = unsafe rd_kafka_commit(client.handle, nil, 0)
        guard err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
        try KafkaError.check(err, during: "commit")
    }

    /// Commits exactly `offsets`, synchronously.
    func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(unsafe rd_kafka_commit(client.handle, list.pointer, 0), during: "commit offsets")
        if let error = list.firstError(during: "commit offsets") { throw error }
    }

    func committed(
        _ partitions: [TopicPartition],
        timeoutMilliseconds: Int32
    ) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(
            unsafe rd_kafka_committed(client.handle, list.pointer, timeoutMilliseconds),
            during: "committed offsets"
        )
        return list.offsets
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(unsafe rd_kafka_pause_partitions(client.handle, list.pointer), during: "pause")
        if let error = list.firstError(during: "pause") { throw error }
    }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(unsafe rd_kafka_resume_partitions(client.handle, list.pointer), during: "resume")
        if let error = list.firstError(during: "resume") { throw error }
    }

    func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        try KafkaError.check(unsafe rd_kafka_assignment(client.handle, &list), during: "assignment")
        guard let list = unsafe list else { return [] }
        defer { unsafe rd_kafka_topic_partition_list_destroy(list) }
        return unsafe RDKafkaTopicPartitionList.offsets(of: list).map(\.topicPartition)
    }

    /// Gives up `partitions` whose revocation was deferred: incrementally under the cooperative
    /// protocol, the whole assignment under the eager one.
    func releaseRevoked(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(
            unsafe applyRebalance(handle: client.handle, revoking: true, partitions: list.pointer),
            during: "unassign"
        )
    }

    /// Leaves the group (serving the final revocation) and stops delivery.
    func close() throws(KafkaError) {
        try KafkaError.check(unsafe rd_kafka_consumer_close(client.handle), during: "close")
    }

    /// The handle is only compared and passed back to librdkafka, whose topic handles are thread-safe.
    @safe private struct TopicNameCacheEntry: @unchecked Sendable {
        var handle: OpaquePointer
        var name: String
    }

    private func topicName(_ rkt: OpaquePointer) -> String {
        topicNames.withLock { cache in
            if let hit = cache.first(where: { unsafe $0.handle == rkt }) { return hit.name }
            let name = unsafe String(cString: rd_kafka_topic_name(rkt))
            unsafe cache.append(TopicNameCacheEntry(handle: rkt, name: name))
            return name
        }
    }

    /// Copies a record out (or reports its error) and destroys librdkafka's message.
    private func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>, to messages: inout [KafkaMessage]) -> Int {
        defer { unsafe rd_kafka_message_destroy(message) }
        let err = unsafe message.pointee.err
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                client.context.onError?(.rdkafka(err, during: "consume"), false)
            }
            return 0
        }
        unsafe messages.append(copy(message))
        return 1
    }

    private func copy(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let record = unsafe message.pointee
        let value =
            unsafe record.payload.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        let key = unsafe record.key.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = unsafe rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topic: unsafe record.rkt.map { unsafe topicName($0) } ?? "",
            partition: unsafe record.partition,
            offset: unsafe record.offset,
            key: key,
            value: value,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            headers: unsafe headers(of: message),
            isTombstone: unsafe record.payload == nil
        )
    }

    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer? = nil
        guard unsafe rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR,
            let list = unsafe list
        else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>? = nil
            var value: UnsafeRawPointer? = nil
            var size = 0
            guard unsafe rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR
            else { break }
            let bytes = unsafe value.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: unsafe name.map { unsafe String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }
}

extension RDKafkaConsumerHandle {
    /// A consumer handle for `configuration`'s group that never subscribes: it can ask and set the
    /// group's offsets without becoming a member.
    static func groupClient(_ configuration: KafkaConfiguration) throws(KafkaError) -> RDKafkaConsumerHandle {
        let context = RDKafkaCallbackContext(onLog: nil, onError: nil, onStatistics: nil)
        return try RDKafkaConsumerHandle(configuration: configuration, context: context)
    }
}
