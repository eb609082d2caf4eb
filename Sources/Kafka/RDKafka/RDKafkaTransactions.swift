import CRdKafka

/// librdkafka's transactional producer calls (`rd_kafka_init_transactions` and the rest) on a
/// producer's handle, each mapping its `rd_kafka_error_t` to a ``KafkaError`` whose code says what
/// the caller may do next: retry the call, abort the transaction, or stop using the producer.
///
/// librdkafka requires the transactional calls of one producer to come from one thread at a time;
/// the owner (the service's producer thread) is that thread.
extension RDKafkaProducerHandle {
    func initTransactions(timeoutMilliseconds: Int32) throws(KafkaError) {
        try Self.check(unsafe rd_kafka_init_transactions(client.handle, timeoutMilliseconds), "init transactions")
    }

    func beginTransaction() throws(KafkaError) {
        try Self.check(unsafe rd_kafka_begin_transaction(client.handle), "begin transaction")
    }

    func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset],
        group: ConsumerGroupMetadata,
        timeoutMilliseconds: Int32
    ) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try Self.check(
            unsafe rd_kafka_send_offsets_to_transaction(
                client.handle,
                list.pointer,
                group.pointer,
                timeoutMilliseconds
            ),
            "send offsets to transaction"
        )
    }

    func commitTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try Self.check(unsafe rd_kafka_commit_transaction(client.handle, timeoutMilliseconds), "commit transaction")
    }

    func abortTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try Self.check(unsafe rd_kafka_abort_transaction(client.handle, timeoutMilliseconds), "abort transaction")
    }

    /// Takes ownership of `error` (destroying it) and throws it as a ``KafkaError``.
    private static func check(_ error: OpaquePointer?, _ operation: String) throws(KafkaError) {
        guard let error = unsafe error else { return }
        defer { unsafe rd_kafka_error_destroy(error) }
        let code: KafkaError.Code =
            if unsafe rd_kafka_error_is_fatal(error) != 0 {
                .fatal
            } else if unsafe rd_kafka_error_txn_requires_abort(error) != 0 {
                .transactionAborted
            } else if unsafe rd_kafka_error_is_retriable(error) != 0 {
                .retriable
            } else {
                KafkaError.rdkafka(unsafe rd_kafka_error_code(error), during: operation).code
            }
        let text = unsafe String(cString: rd_kafka_error_string(error))
        throw KafkaError(
            code: code,
            reason: "\(operation): \(text)",
            rdkafkaCode: unsafe rd_kafka_error_code(error).rawValue
        )
    }
}

extension RDKafkaConsumerHandle {
    /// The consumer's group, generation and member id, for `send_offsets_to_transaction`.
    func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let pointer = unsafe rd_kafka_consumer_group_metadata(client.handle) else {
            throw .configuration("the consumer has no group metadata (is group.id set?)")
        }
        return unsafe ConsumerGroupMetadata(owning: pointer)
    }
}

/// A consumer's group metadata (`rd_kafka_consumer_group_metadata_t`): its group id, generation
/// and member id at the moment it was taken. Sent with a transaction's offsets, it lets the group
/// coordinator refuse offsets from a member that a rebalance has replaced (zombie fencing).
@safe public final class ConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        unsafe self.pointer = unsafe pointer
    }

    deinit {
        unsafe rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
