import Synchronization

/// Called on the polling thread when the group moves partitions to or from this consumer.
///
/// `revoked` runs *before* the partitions are given up, so it may store and commit their offsets
/// (``KafkaConsumer/storeOffsets(_:)``, ``KafkaConsumer/commit()``). `lost` is true when the
/// partitions were lost (session timeout) rather than revoked: another member may already own them
/// and a commit will fail.
///
/// With `deferRevocation`, an orderly revocation of an open consumer does not end when `revoked`
/// returns: the consumer keeps the partitions (``KafkaConsumer/isRevocationPending``) until the
/// application calls ``KafkaConsumer/releaseRevoked(_:)`` from the polling thread, for example once
/// its in-flight records are done; polling meanwhile keeps the membership alive. Lost partitions and
/// revocations while closing are given up when `revoked` returns either way.
public struct RebalanceHandlers: Sendable {
    public var assigned: @Sendable (_ consumer: KafkaConsumer, _ partitions: [TopicPartition]) -> Void
    public var revoked: @Sendable (_ consumer: KafkaConsumer, _ partitions: [TopicPartition], _ lost: Bool) -> Void
    public var deferRevocation: Bool

    public init(
        assigned: @escaping @Sendable (KafkaConsumer, [TopicPartition]) -> Void = { _, _ in },
        revoked: @escaping @Sendable (KafkaConsumer, [TopicPartition], Bool) -> Void = { _, _, _ in },
        deferRevocation: Bool = false
    ) {
        self.assigned = assigned
        self.revoked = revoked
        self.deferRevocation = deferRevocation
    }
}

/// A member of a Kafka consumer group, over librdkafka.
///
/// Built for the at-least-once pattern: the application stores an offset with ``storeOffsets(_:)``
/// only once the record's output is safe, and committed offsets come only from that store.
/// ``poll(into:maxMessages:timeoutMilliseconds:)`` also serves rebalance, error and statistics
/// callbacks, so call it from one dedicated thread, regularly. The other methods are thread-safe.
public final class KafkaConsumer: RebalanceDispatcher, Sendable {
    private let handle: RDKafkaConsumerHandle
    private let rebalanceHandlers: RebalanceHandlers?
    /// Set (acquiring and releasing) once, by ``close()``, before librdkafka serves the final
    /// revocation: from then on revocations are never deferred.
    private let closed = Atomic<Bool>(false)
    private let rebalances = Atomic<Int>(0)
    /// Written and read on the polling thread only (rebalance callbacks run inside `poll`); atomic
    /// so that the class stays `Sendable` without a lock.
    private let revocationPending = Atomic<Bool>(false)
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
        handle = try RDKafkaConsumerHandle(configuration: configuration, context: context)
        self.rebalanceHandlers = rebalance
        self.topics = topics
        // Set before subscribing: no rebalance callback can run before rd_kafka_subscribe.
        context.rebalance = self
        try handle.subscribe(topics)
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            try? handle.close()
        }
    }

    /// librdkafka's name for this client, e.g. `rdkafka#consumer-1`.
    public var name: String { handle.client.name }

    /// How many rebalance callbacks this consumer has served.
    public var rebalanceCount: Int { rebalances.load(ordering: .relaxed) }

    /// Whether a deferred revocation waits for ``releaseRevoked(_:)`` (polling thread only).
    public var isRevocationPending: Bool { revocationPending.load(ordering: .relaxed) }

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
        var appended = handle.takeQueued(into: &messages, maxMessages: maxMessages)
        guard appended == 0, timeoutMilliseconds > 0 else { return appended }
        appended += handle.waitForOne(into: &messages, timeoutMilliseconds: timeoutMilliseconds)
        if appended > 0 && maxMessages > 1 {
            appended += handle.takeQueued(into: &messages, maxMessages: maxMessages - 1)
        }
        return appended
    }

    /// Stores offsets for the next commit; each `offset` is the next one to read (last done + 1).
    public func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try handle.storeOffsets(offsets)
    }

    /// Commits the stored offsets synchronously. Nothing stored is not an error.
    public func commit() throws(KafkaError) {
        try handle.commitStored()
    }

    /// The group's committed offsets for `partitions` (negative when none), asked of the coordinator.
    public func committed(
        _ partitions: [TopicPartition],
        timeoutMilliseconds: Int32 = 5000
    ) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try handle.committed(partitions, timeoutMilliseconds: timeoutMilliseconds)
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
        try groupClient(configuration, for: "committed offsets")
            .committed(partitions, timeoutMilliseconds: timeoutMilliseconds)
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
        try client.commit(offsets)
    }

    private static func groupClient(
        _ configuration: KafkaConfiguration,
        for purpose: String
    ) throws(KafkaError)
        -> RDKafkaConsumerHandle
    {
        guard configuration["group.id"] != nil else {
            throw .configuration("\(purpose) needs the 'group.id' property")
        }
        return try RDKafkaConsumerHandle.groupClient(configuration)
    }

    /// The consumer's group metadata now (group, generation, member), for
    /// ``KafkaProducer/sendOffsetsToTransaction(_:group:timeoutMilliseconds:)``. Take it for each
    /// transaction: a rebalance changes the generation.
    public func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        try handle.groupMetadata()
    }

    /// Stops fetching from `partitions` until ``resume(_:)``; records already fetched are kept.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        try handle.pause(partitions)
    }

    /// Restarts fetching from paused `partitions`, from where delivery stopped.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        try handle.resume(partitions)
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        try handle.assignment()
    }

    /// Asks a broker for metadata; throws `.brokerUnreachable` when none answers in time.
    public func checkConnectivity(timeoutMilliseconds: Int32 = 5000) throws(KafkaError) {
        try handle.client.checkConnectivity(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The partition count of `topic` from cluster metadata.
    public func partitionCount(topic: String, timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> Int {
        try handle.client.partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Ends a deferred revocation (see ``RebalanceHandlers/deferRevocation``): gives up
    /// `partitions`, the ones `revoked` was called with. Call it from the polling thread.
    public func releaseRevoked(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard revocationPending.exchange(false, ordering: .relaxed) else { return }
        try handle.releaseRevoked(partitions)
    }

    /// Leaves the group: revokes the assignment (running ``RebalanceHandlers/revoked``, never
    /// deferred), and stops delivery. Safe to call more than once.
    public func close() throws(KafkaError) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try handle.close()
    }

    func assigned(_ partitions: [TopicPartition]) {
        rebalances.add(1, ordering: .relaxed)
        rebalanceHandlers?.assigned(self, partitions)
    }

    func revoking(_ partitions: [TopicPartition], lost: Bool) -> Bool {
        rebalances.add(1, ordering: .relaxed)
        let deferring =
            rebalanceHandlers?.deferRevocation == true && !lost && !closed.load(ordering: .acquiring)
            && !partitions.isEmpty
        revocationPending.store(deferring, ordering: .relaxed)
        rebalanceHandlers?.revoked(self, partitions, lost)
        return deferring
    }

    func rebalanceFailed(_ error: KafkaError) {
        rebalances.add(1, ordering: .relaxed)
        handle.client.context.onError?(error, false)
    }
}
