import CRdKafka
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
@safe public final class EmbeddedBroker: @unchecked Sendable {
    /// The rd_kafka_t the mock cluster needs for bookkeeping; destroyed after the cluster.
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
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
        let config = try RDKafkaConfig(KafkaConfiguration(["log_level": "3"]))
        let conf = unsafe config.take()
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = unsafe rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            unsafe rd_kafka_conf_destroy(conf)
            throw .mockCluster("could not create the mock cluster's handle: \(String(errorBuffer: errorText))")
        }
        guard let cluster = unsafe rd_kafka_mock_cluster_new(handle, Int32(brokerCount)) else {
            unsafe rd_kafka_destroy(handle)
            throw .mockCluster("librdkafka could not start the mock cluster")
        }
        unsafe self.handle = unsafe handle
        unsafe self.cluster = unsafe cluster
        self.brokerCount = brokerCount
        brokerAddresses = unsafe String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        if let port {
            let firstBroker = brokerAddresses.split(separator: ",").first.map(String.init) ?? brokerAddresses
            do throws(KafkaError) {
                guard let colon = firstBroker.lastIndex(of: ":"),
                    let targetPort = UInt16(firstBroker[firstBroker.index(after: colon)...])
                else { throw .mockCluster("cannot forward to '\(firstBroker)': not HOST:PORT") }
                do {
                    forwarder = try TCPRelay(listenPort: port, targetPort: targetPort)
                } catch {
                    throw .mockCluster("cannot accept bootstrap connections on 127.0.0.1:\(port): \(error.reason)")
                }
            } catch {
                unsafe rd_kafka_mock_cluster_destroy(cluster)
                unsafe rd_kafka_destroy(handle)
                throw error
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
        unsafe rd_kafka_mock_cluster_destroy(cluster)
        unsafe rd_kafka_destroy(handle)
    }

    /// Creates `name` with `partitions` partitions (replicas capped at the broker count).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        guard partitions > 0 else { throw .configuration("topic '\(name)' needs at least one partition") }
        let replicas = min(max(1, replicationFactor), Int32(brokerCount))
        let err = unsafe rd_kafka_mock_topic_create(cluster, name, partitions, replicas)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .mockCluster("create topic '\(name)': \(unsafe String(cString: rd_kafka_err2str(err)))")
        }
    }

    /// Takes broker `id` (1-based) down: its connections close and it refuses new ones until
    /// ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try checkMock(unsafe rd_kafka_mock_broker_set_down(cluster, id), "set broker \(id) down")
    }

    /// Brings broker `id` back up.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try checkMock(unsafe rd_kafka_mock_broker_set_up(cluster, id), "set broker \(id) up")
    }

    /// Delays every response of broker `id` by `milliseconds`.
    public func setRoundTripTime(broker id: Int32, milliseconds: Int32) throws(KafkaError) {
        try checkMock(unsafe rd_kafka_mock_broker_set_rtt(cluster, id, milliseconds), "set broker \(id) RTT")
    }

    private func checkMock(_ err: rd_kafka_resp_err_t, _ operation: String) throws(KafkaError) {
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .mockCluster("\(operation): \(unsafe String(cString: rd_kafka_err2str(err)))")
        }
    }
}
