/// A Kafka admin client over librdkafka: cluster metadata, topic creation and topic configs.
///
/// Every call blocks its thread for up to its timeout, so call it from a thread of your own (or
/// a command-line tool's main thread), not from Swift's cooperative pool. Thread-safe.
///
/// Creating topics and describing their configs need a broker that answers CreateTopics and
/// DescribeConfigs through a controller it names: Apache Kafka from 0.10.2 and compatible brokers
/// do; librdkafka's mock cluster (``EmbeddedBroker``) does not, and both calls then throw
/// ``KafkaError/Code/unsupportedByBroker`` at once instead of timing out. Its metadata, and so
/// partitions, leaders and replicas, it does answer.
public final class KafkaAdmin: Sendable {
    private let handle: RDKafkaAdminHandle

    /// Creates the client; it connects on first use.
    ///
    /// - Parameters:
    ///   - configuration: librdkafka properties; at least `bootstrap.servers`.
    ///   - events: where librdkafka's logs and client-level errors go.
    /// - Throws: ``KafkaError`` with code `.configuration` or `.clientCreation`.
    public init(configuration: KafkaConfiguration, events: KafkaEventHandlers = KafkaEventHandlers()) throws(KafkaError)
    {
        let context = RDKafkaCallbackContext(onLog: events.log, onError: events.error, onStatistics: nil)
        handle = try RDKafkaAdminHandle(configuration: configuration, context: context)
    }

    /// The cluster's brokers, controller and every topic with its partitions.
    ///
    /// Asks for all topics rather than some by name, so that a broker that creates topics on
    /// first mention never creates one here.
    /// - Throws: `.brokerUnreachable` or `.timedOut` when no broker answers in time.
    public func metadata(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> ClusterMetadata {
        try handle.metadata(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Creates `topics` in one request.
    ///
    /// - Returns: one outcome per topic: created, `.topicAlreadyExists`, or the broker's refusal
    ///   (an invalid config, a replication factor above the broker count, ...) with its own words.
    /// - Throws: `.unsupportedByBroker` when the cluster cannot create topics at all, or an error
    ///   for the request as a whole (`.timedOut`, `.brokerUnreachable`, `.configuration` for a
    ///   topic librdkafka refuses before sending).
    public func createTopics(
        _ topics: [NewTopic],
        timeoutMilliseconds: Int32 = 10_000
    ) throws(KafkaError) -> [NewTopic.Outcome] {
        guard !topics.isEmpty else { return [] }
        try handle.requireController(timeoutMilliseconds: timeoutMilliseconds)
        return try handle.createTopics(topics, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The configs of the topics `names`, in one request: each topic's entries as the broker
    /// describes them, or its refusal for that topic.
    ///
    /// - Throws: `.unsupportedByBroker` when the cluster cannot describe configs at all, or an
    ///   error for the request as a whole.
    public func describeTopicConfigs(
        _ names: [String],
        timeoutMilliseconds: Int32 = 10_000
    ) throws(KafkaError) -> [String: Result<[TopicConfigEntry], KafkaError>] {
        guard !names.isEmpty else { return [:] }
        try handle.requireController(timeoutMilliseconds: timeoutMilliseconds)
        return try handle.describeTopicConfigs(names, timeoutMilliseconds: timeoutMilliseconds)
    }
}
