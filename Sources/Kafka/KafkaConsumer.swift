import CRdKafka
import Synchronization

/// Called on the polling thread when the group moves partitions to or from this consumer.
///
/// `revoked` runs *before* the partitions are given up, so it may finish in-flight work, store
/// and commit their offsets (``KafkaConsumer/storeOffsets(_:)``, ``KafkaConsumer/commit()``).
/// `lost` is true when the partitions were lost (session timeout) rather than revoked: another
/// member may already own them and a commit will fail.
public struct RebalanceHandlers: Sendable {
    public var assigned: @Sendable (_ consumer: KafkaConsumer, _ partitions: [TopicPartition]) -> Void
    public var revoked: @Sendable (_ consumer: KafkaConsumer, _ partitions: [TopicPartition], _ lost: Bool) -> Void

    public init(
        assigned: @escaping @Sendable (KafkaConsumer, [TopicPartition]) -> Void = { _, _ in },
        revoked: @escaping @Sendable (KafkaConsumer, [TopicPartition], Bool) -> Void = { _, _, _ in }
    ) {
        self.assigned = assigned
        self.revoked = revoked
    }
}

/// A member of a Kafka consumer group, over librdkafka.
///
/// Built for the at-least-once pattern: the application stores an offset with ``storeOffsets(_:)``
/// only once the record's output is safe, and committed offsets come only from that store.
/// ``poll(into:maxMessages:timeoutMilliseconds:)`` also serves rebalance, error and statistics
/// callbacks, so call it from one dedicated thread, regularly. The other methods are thread-safe.
@safe public final class KafkaConsumer: RebalanceDispatcher, @unchecked Sendable {
    private let client: RDKafkaClient
    /// The consumer queue (`rd_kafka_queue_get_consumer`), one reference, released in `deinit`.
    private let queue: OpaquePointer
    private let rebalanceHandlers: RebalanceHandlers?
    private let closed = Atomic<Bool>(false)
    private let rebalances = Atomic<Int>(0)
    /// Topic names by librdkafka topic handle, so that a poll does not build a String per message.
    private let topicNames = Mutex<[TopicNameCacheEntry]>([])
    public let topics: [String]

    /// Creates the consumer and subscribes it to `topics`.
    ///
    /// - Throws: ``KafkaError`` with code `.configuration` for an unknown or invalid property or a
    ///   missing `group.id`, `.clientCreation` when librdkafka refuses the client.
    public init(
        configuration: KafkaConfiguration,
        topics: [String],
        rebalance: RebalanceHandlers? = nil,
        events: KafkaEventHandlers = KafkaEventHandlers()
    ) throws(KafkaError) {
        guard configuration["group.id"] != nil else {
            throw .configuration("a consumer needs the 'group.id' property")
        }
        guard !topics.isEmpty else { throw .configuration("a consumer needs at least one topic") }
        let context = RDKafkaCallbackContext(
            onLog: events.log,
            onError: events.error,
            onStatistics: events.statistics
        )
        client = try RDKafkaClient(kind: RD_KAFKA_CONSUMER, configuration: configuration, context: context)
        unsafe rd_kafka_poll_set_consumer(client.handle)
        guard let queue = unsafe rd_kafka_queue_get_consumer(client.handle) else {
            throw .clientCreation("librdkafka gave no consumer queue")
        }
        unsafe self.queue = unsafe queue
        self.rebalanceHandlers = rebalance
        self.topics = topics
        // Set before subscribing: no rebalance callback can run before rd_kafka_subscribe.
        context.rebalance = self
        let subscription = RDKafkaTopicPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        try KafkaError.check(unsafe rd_kafka_subscribe(client.handle, subscription.pointer), during: "subscribe")
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            unsafe rd_kafka_consumer_close(client.handle)
        }
        unsafe rd_kafka_queue_destroy(queue)
    }

    /// librdkafka's name for this client, e.g. `rdkafka#consumer-1`.
    public var name: String { client.name }

    /// How many rebalance callbacks this consumer has served.
    public var rebalanceCount: Int { rebalances.load(ordering: .relaxed) }

    /// Waits for up to `timeoutMilliseconds` for the first of up to `maxMessages` records and appends
    /// them to `messages`; also serves callbacks. Returns how many records were appended.
    ///
    /// Returns as soon as one record is there: librdkafka's batch call waits for a *full* batch
    /// until its timeout, which would add the whole timeout to every record's latency at low
    /// rates, so this takes what is queued without waiting, and only when nothing is queued
    /// waits for a single record before taking the rest. Per-partition error events (for example,
    /// end of partition) are reported to the error handler, not returned.
    @discardableResult
    public func poll(into messages: inout [KafkaMessage], maxMessages: Int, timeoutMilliseconds: Int32) -> Int {
        precondition(maxMessages > 0, "maxMessages must be positive")
        guard !closed.load(ordering: .acquiring) else { return 0 }
        var appended = takeQueued(into: &messages, maxMessages: maxMessages)
        guard appended == 0, timeoutMilliseconds > 0 else { return appended }
        guard let first = unsafe rd_kafka_consume_queue(queue, timeoutMilliseconds) else { return 0 }
        appended += unsafe append(first, to: &messages)
        if maxMessages > 1 {
            appended += takeQueued(into: &messages, maxMessages: maxMessages - 1)
        }
        return appended
    }

    /// Takes up to `maxMessages` records already queued, without waiting.
    private func takeQueued(into messages: inout [KafkaMessage], maxMessages: Int) -> Int {
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

    /// Copies a record out (or reports its error) and destroys librdkafka's message.
    private func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>, to messages: inout [KafkaMessage]) -> Int
    {
        defer { unsafe rd_kafka_message_destroy(message) }
        if unsafe message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            unsafe reportMessageError(message)
            return 0
        }
        unsafe messages.append(copy(message))
        return 1
    }

    /// Stores offsets for the next commit; each `offset` is the next one to read (last done + 1).
    public func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(unsafe rd_kafka_offsets_store(client.handle, list.pointer), during: "store offsets")
        if let error = list.firstError(during: "store offset") { throw error }
    }

    /// Commits the stored offsets synchronously. Nothing stored is not an error.
    public func commit() throws(KafkaError) {
        let err = unsafe rd_kafka_commit(client.handle, nil, 0)
        guard err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
        try KafkaError.check(err, during: "commit")
    }

    /// The group's committed offsets for `partitions` (negative when none), asked of the coordinator.
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 5000) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try Self.committed(partitions, client: client, timeoutMilliseconds: timeoutMilliseconds)
    }

    private static func committed(
        _ partitions: [TopicPartition],
        client: RDKafkaClient,
        timeoutMilliseconds: Int32
    ) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(
            unsafe rd_kafka_committed(client.handle, list.pointer, timeoutMilliseconds),
            during: "committed offsets"
        )
        return list.offsets
    }

    /// A consumer handle for `configuration`'s group that never subscribes: it can ask and set the
    /// group's offsets without becoming a member.
    private static func groupClient(_ configuration: KafkaConfiguration, for purpose: String) throws(KafkaError)
        -> RDKafkaClient
    {
        guard configuration["group.id"] != nil else {
            throw .configuration("\(purpose) needs the 'group.id' property")
        }
        let context = RDKafkaCallbackContext(onLog: nil, onError: nil, onStatistics: nil)
        return try RDKafkaClient(kind: RD_KAFKA_CONSUMER, configuration: configuration, context: context)
    }

    /// The offsets the group named by `configuration`'s `group.id` committed for `partitions`,
    /// asked by a client that never subscribes, so asking cannot join the group and trigger a
    /// rebalance (nor meet librdkafka 2.0.2's abort when a cooperative-sticky member is destroyed
    /// between its JoinGroup response and its first assignment, librdkafka issue #4312).
    public static func committedOffsets(
        configuration: KafkaConfiguration,
        partitions: [TopicPartition],
        timeoutMilliseconds: Int32 = 5000
    ) throws(KafkaError) -> [TopicPartitionOffset] {
        let client = try groupClient(configuration, for: "committed offsets")
        return try committed(partitions, client: client, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Commits `offsets` for the group named by `configuration`'s `group.id` from a client that
    /// never joins it: sets where a new group starts reading (for example, a benchmark run that
    /// must read only the records it wrote to a shared topic). The group should have no members.
    public static func commitOffsets(
        configuration: KafkaConfiguration,
        _ offsets: [TopicPartitionOffset]
    ) throws(KafkaError) {
        let client = try groupClient(configuration, for: "committing offsets")
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(unsafe rd_kafka_commit(client.handle, list.pointer, 0), during: "commit offsets")
        if let error = list.firstError(during: "commit offsets") { throw error }
    }

    /// Stops fetching from `partitions` until ``resume(_:)``; records already fetched are kept.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(unsafe rd_kafka_pause_partitions(client.handle, list.pointer), during: "pause")
        if let error = list.firstError(during: "pause") { throw error }
    }

    /// Restarts fetching from paused `partitions`, from where delivery stopped.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(unsafe rd_kafka_resume_partitions(client.handle, list.pointer), during: "resume")
        if let error = list.firstError(during: "resume") { throw error }
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        try KafkaError.check(unsafe rd_kafka_assignment(client.handle, &list), during: "assignment")
        guard let list = unsafe list else { return [] }
        defer { unsafe rd_kafka_topic_partition_list_destroy(list) }
        return unsafe RDKafkaTopicPartitionList.offsets(of: list).map(\.topicPartition)
    }

    /// Asks a broker for metadata; throws `.brokerUnreachable` when none answers in time.
    public func checkConnectivity(timeoutMilliseconds: Int32 = 5000) throws(KafkaError) {
        try client.checkConnectivity(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The partition count of `topic` from cluster metadata.
    public func partitionCount(topic: String, timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> Int {
        try client.partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Leaves the group: revokes the assignment (running ``RebalanceHandlers/revoked``), commits
    /// what is stored when auto-commit is on, and stops delivery. Safe to call more than once.
    public func close() throws(KafkaError) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try KafkaError.check(unsafe rd_kafka_consumer_close(client.handle), during: "close")
    }

    func rebalance(
        handle: OpaquePointer,
        error: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) {
        rebalances.add(1, ordering: .relaxed)
        let changed = unsafe RDKafkaTopicPartitionList.offsets(of: partitions).map(\.topicPartition)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            report(unsafe applyRebalanceDefault(handle: handle, error: error, partitions: partitions))
            rebalanceHandlers?.assigned(self, changed)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = unsafe rd_kafka_assignment_lost(handle) != 0
            rebalanceHandlers?.revoked(self, changed, lost)
            report(unsafe applyRebalanceDefault(handle: handle, error: error, partitions: partitions))
        default:
            report(.rdkafka(error, during: "rebalance"))
            report(unsafe applyRebalanceDefault(handle: handle, error: error, partitions: partitions))
        }
    }
}

extension KafkaConsumer {
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
            headers: unsafe headers(of: message)
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

    private func reportMessageError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let err = unsafe message.pointee.err
        guard err != RD_KAFKA_RESP_ERR__PARTITION_EOF else { return }
        client.context.onError?(.rdkafka(err, during: "consume"), false)
    }

    private func report(_ error: KafkaError?) {
        guard let error else { return }
        client.context.onError?(error, false)
    }
}
