import Platform

/// librdkafka's in-process mock cluster: a real Kafka-protocol server on loopback TCP.
///
/// Any Kafka client can use it through ``bootstrapServers``. Its brokers listen on ports the
/// kernel picks; with a fixed `port` a `TCPRelay` accepts bootstrap connections there and
/// relays them, and clients then talk to the brokers' own ports, which the metadata names.
///
/// Limits to know: each partition keeps about 5 MiB of record batches and silently drops the
/// oldest beyond that, so a backlog must be spread over enough partitions; data lives in memory
/// only and is gone when the broker stops.
public final class EmbeddedBroker: Sendable {
    private let cluster: RDKafkaMockCluster
    private let forwarder: TCPRelay?
    /// Where clients bootstrap: the forwarder's address when a port was given, else the brokers'.
    public let bootstrapServers: String
    /// The mock brokers' own listeners, `127.0.0.1:PORT` each.
    public let brokerAddresses: String
    public let brokerCount: Int

    /// Starts `brokerCount` brokers and creates `topics` (name to partition count).
    ///
    /// - Parameter port: a fixed loopback port to accept bootstrap connections on, or nil.
    /// - Throws: ``KafkaError`` with code `.mockCluster`, or `.configuration` for a bad count.
    public init(brokerCount: Int = 1, port: UInt16? = nil, topics: [String: Int32] = [:]) throws(KafkaError) {
        guard (1...16).contains(brokerCount) else {
            throw .configuration("broker count must be between 1 and 16, got \(brokerCount)")
        }
        cluster = try RDKafkaMockCluster(brokerCount: brokerCount)
        self.brokerCount = brokerCount
        brokerAddresses = cluster.bootstrapServers
        if let port {
            let firstBroker = brokerAddresses.split(separator: ",").first.map(String.init) ?? brokerAddresses
            guard let colon = firstBroker.lastIndex(of: ":"),
                let targetPort = UInt16(firstBroker[firstBroker.index(after: colon)...])
            else { throw .mockCluster("cannot forward to '\(firstBroker)': not HOST:PORT") }
            do {
                forwarder = try TCPRelay(listenPort: port, targetPort: targetPort)
            } catch {
                throw .mockCluster("cannot accept bootstrap connections on 127.0.0.1:\(port): \(error.reason)")
            }
            bootstrapServers = "127.0.0.1:\(forwarder!.port)"
        } else {
            forwarder = nil
            bootstrapServers = brokerAddresses
        }
        for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) {
            try createTopic(name, partitions: partitions)
        }
    }

    deinit {
        forwarder?.stop()
    }

    /// Creates `name` with `partitions` partitions (replicas capped at the broker count).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        guard partitions > 0 else { throw .configuration("topic '\(name)' needs at least one partition") }
        let replicas = min(max(1, replicationFactor), Int32(brokerCount))
        try cluster.createTopic(name, partitions: partitions, replicas: replicas)
    }

    /// Takes broker `id` (1-based) down: its connections close and it refuses new ones until
    /// ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try cluster.setBrokerDown(id)
    }

    /// Brings broker `id` back up.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try cluster.setBrokerUp(id)
    }

    /// Delays every response of broker `id` by `milliseconds`.
    public func setRoundTripTime(broker id: Int32, milliseconds: Int32) throws(KafkaError) {
        try cluster.setRoundTripTime(broker: id, milliseconds: milliseconds)
    }

    /// Why ``refuseNextProduceRequests(_:with:)`` refuses.
    public enum ProduceRefusal: Sendable {
        /// `MESSAGE_TOO_LARGE`: as a topic whose `max.message.bytes` is below the producer's limit.
        case messageTooLarge
        /// `TOPIC_AUTHORIZATION_FAILED`.
        case notAuthorized
    }

    /// Makes the broker refuse the next `count` produce requests, whatever their topic, with a
    /// permanent error: every record in them fails its delivery. For tests.
    public func refuseNextProduceRequests(_ count: Int, with refusal: ProduceRefusal) {
        cluster.refuseNextProduceRequests(count, tooLarge: refusal == .messageTooLarge)
    }
}
