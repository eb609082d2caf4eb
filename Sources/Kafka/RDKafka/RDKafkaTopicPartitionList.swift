import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` built from Swift values.
@safe struct RDKafkaTopicPartitionList: ~Copyable {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ partitions: [TopicPartition]) {
        unsafe pointer = unsafe rd_kafka_topic_partition_list_new(Int32(partitions.count))
        for partition in partitions {
            unsafe rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)
        }
    }

    init(_ offsets: [TopicPartitionOffset]) {
        unsafe pointer = unsafe rd_kafka_topic_partition_list_new(Int32(offsets.count))
        for entry in offsets {
            let element = unsafe rd_kafka_topic_partition_list_add(
                pointer,
                entry.topicPartition.topic,
                entry.topicPartition.partition
            )
            unsafe element?.pointee.offset = entry.offset
        }
    }

    deinit {
        unsafe rd_kafka_topic_partition_list_destroy(pointer)
    }

    var offsets: [TopicPartitionOffset] { unsafe Self.offsets(of: pointer) }

    /// The first per-partition error in the list, if any.
    func firstError(during operation: String) -> KafkaError? {
        let list = unsafe pointer.pointee
        for index in unsafe 0..<Int(list.cnt) {
            let element = unsafe list.elems[index]
            if unsafe element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = unsafe String(cString: element.topic)
                return unsafe .rdkafka(element.err, during: unsafe "\(operation) \(topic)/\(element.partition)")
            }
        }
        return nil
    }

    /// Reads a list librdkafka owns (for example, in a rebalance callback) without taking it.
    static func offsets(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        let count = Int(unsafe list.pointee.cnt)
        var result: [TopicPartitionOffset] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let element = unsafe list.pointee.elems[index]
            let topic = unsafe String(cString: element.topic)
            unsafe result.append(
                TopicPartitionOffset(topic: topic, partition: element.partition, offset: element.offset)
            )
        }
        return result
    }
}
