import CRdKafka

/// Owns one `rd_kafka_t` handle and the callback context its callbacks point at.
///
/// The handle is thread-safe (librdkafka's guarantee), so the owner is `Sendable`; destruction
/// happens once, in `deinit`, after every other owner reference is gone.
@safe final class RDKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    let kind: Kind

    enum Kind {
        case consumer
        case producer
    }

    init(kind: Kind, configuration: KafkaConfiguration, context: RDKafkaCallbackContext) throws(KafkaError) {
        let config = try RDKafkaConfig(configuration)
        config.install(context, rebalance: kind == .consumer)
        let conf = unsafe config.take()
        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let handle = unsafe rd_kafka_new(type, conf, &errorText, errorText.count) else {
            unsafe rd_kafka_conf_destroy(conf)
            let detail = String(errorBuffer: errorText)
            throw .clientCreation("librdkafka could not create the client: \(detail)")
        }
        unsafe self.handle = unsafe handle
        self.context = context
        self.kind = kind
    }

    deinit {
        unsafe rd_kafka_destroy(handle)
    }

    /// The client's name as librdkafka reports it, e.g. `rdkafka#consumer-1`.
    var name: String { unsafe String(cString: rd_kafka_name(handle)) }

    /// Asks a broker for cluster metadata; throws when none answers within `timeoutMilliseconds`.
    func checkConnectivity(timeoutMilliseconds: Int32) throws(KafkaError) {
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let err = unsafe rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
        if let metadata = unsafe metadata { unsafe rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = KafkaError.errorText(err)
            throw .brokerUnreachable("no broker answered a metadata request within \(timeoutMilliseconds) ms: \(text)")
        }
    }

    /// Partition count of `topic`, from a metadata request.
    func partitionCount(topic: String, timeoutMilliseconds: Int32) throws(KafkaError) -> Int {
        guard let rkt = unsafe rd_kafka_topic_new(handle, topic, nil) else {
            throw .rdkafka(rd_kafka_last_error(), during: "topic handle for \(topic)")
        }
        defer { unsafe rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        try KafkaError.check(
            unsafe rd_kafka_metadata(handle, 0, rkt, &metadata, timeoutMilliseconds),
            during: "metadata for \(topic)"
        )
        defer { unsafe rd_kafka_metadata_destroy(metadata) }
        guard let metadata = unsafe metadata, unsafe metadata.pointee.topic_cnt > 0 else { return 0 }
        let entry = unsafe metadata.pointee.topics[0]
        unsafe try KafkaError.check(entry.err, during: "metadata for \(topic)")
        return unsafe Int(entry.partition_cnt)
    }

    /// The high watermark (the offset the next record will get) of each of `topic`'s partitions,
    /// asked of the partition leaders.
    func highWatermarks(topic: String, timeoutMilliseconds: Int32) throws(KafkaError) -> [TopicPartitionOffset] {
        let count = try partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
        var offsets: [TopicPartitionOffset] = []
        for partition in 0..<Int32(count) {
            var low: Int64 = 0
            var high: Int64 = 0
            try KafkaError.check(
                unsafe rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMilliseconds),
                during: "watermarks of \(topic)/\(partition)"
            )
            offsets.append(TopicPartitionOffset(topic: topic, partition: partition, offset: high))
        }
        return offsets
    }
}
