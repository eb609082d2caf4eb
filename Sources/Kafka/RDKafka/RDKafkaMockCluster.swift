import CRdKafka

/// Owns librdkafka's mock cluster and the `rd_kafka_t` it needs for bookkeeping; destroys the
/// cluster first, then the handle. The mock API is thread-safe, so the owner is `Sendable`.
@safe final class RDKafkaMockCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    /// The brokers' listeners, `127.0.0.1:PORT` each, comma-separated.
    let bootstrapServers: String

    init(brokerCount: Int) throws(KafkaError) {
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
        bootstrapServers = unsafe String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        unsafe rd_kafka_mock_cluster_destroy(cluster)
        unsafe rd_kafka_destroy(handle)
    }

    func createTopic(_ name: String, partitions: Int32, replicas: Int32) throws(KafkaError) {
        try check(unsafe rd_kafka_mock_topic_create(cluster, name, partitions, replicas), "create topic '\(name)'")
    }

    func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try check(unsafe rd_kafka_mock_broker_set_down(cluster, id), "set broker \(id) down")
    }

    func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try check(unsafe rd_kafka_mock_broker_set_up(cluster, id), "set broker \(id) up")
    }

    func setRoundTripTime(broker id: Int32, milliseconds: Int32) throws(KafkaError) {
        try check(unsafe rd_kafka_mock_broker_set_rtt(cluster, id, milliseconds), "set broker \(id) RTT")
    }

    func refuseNextProduceRequests(_ count: Int, tooLarge: Bool) {
        let error = tooLarge ? RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE : RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
        let errors = [rd_kafka_resp_err_t](repeating: error, count: count)
        // ApiKey 0 is Produce.
        unsafe rd_kafka_mock_push_request_errors_array(cluster, 0, count, errors)
    }

    private func check(_ err: rd_kafka_resp_err_t, _ operation: String) throws(KafkaError) {
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .mockCluster("\(operation): \(KafkaError.errorText(err))")
        }
    }
}
