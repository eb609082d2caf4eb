import CRdKafka

/// The `rd_kafka_t` of an admin client: every librdkafka call a ``KafkaAdmin`` makes.
///
/// Each admin request gets a result queue of its own, created and destroyed within the call, so
/// concurrent requests never take each other's results; the handle itself is thread-safe.
@safe final class RDKafkaAdminHandle: Sendable {
    let client: RDKafkaClient

    init(configuration: KafkaConfiguration, context: RDKafkaCallbackContext) throws(KafkaError) {
        // librdkafka's admin API works on any client type; a producer starts no group machinery.
        client = try RDKafkaClient(kind: .producer, configuration: configuration, context: context)
    }

    /// Brokers, controller and every topic. All topics, not the wanted ones: asking for a topic
    /// by name lets a broker with automatic topic creation (librdkafka's mock cluster always does
    /// for metadata requests below version 4) create it just because it was asked about.
    func metadata(timeoutMilliseconds: Int32) throws(KafkaError) -> ClusterMetadata {
        var metadata = try fetchMetadata(allTopics: true, timeoutMilliseconds: timeoutMilliseconds)
        metadata.controllerID = controllerID(timeoutMilliseconds: timeoutMilliseconds)
        metadata.clusterID = clusterID(timeoutMilliseconds: timeoutMilliseconds)
        return metadata
    }

    /// Throws `.unsupportedByBroker` unless the cluster names a controller among its brokers.
    ///
    /// librdkafka sends CreateTopics and (for topics) DescribeConfigs to the controller and waits
    /// for it until the request times out; a cluster that names a broker it does not have (the
    /// mock cluster names broker 0, its brokers count from 1) would only ever time out.
    func requireController(timeoutMilliseconds: Int32) throws(KafkaError) {
        let brokers = try fetchMetadata(allTopics: false, timeoutMilliseconds: timeoutMilliseconds).brokers
        let ids = brokers.map { String($0.id) }.joined(separator: ", ")
        guard let controller = controllerID(timeoutMilliseconds: timeoutMilliseconds) else {
            throw .unsupportedByBroker("the cluster named no controller within \(timeoutMilliseconds) ms")
        }
        guard brokers.contains(where: { $0.id == controller }) else {
            throw .unsupportedByBroker(
                "the cluster names broker \(controller) as its controller, which is not one of its brokers (\(ids))"
            )
        }
    }

    /// Sends one CreateTopics request for `topics`; one outcome per topic, in the broker's order.
    func createTopics(_ topics: [NewTopic], timeoutMilliseconds: Int32) throws(KafkaError) -> [NewTopic.Outcome] {
        var newTopics: [OpaquePointer?] = unsafe []
        defer {
            unsafe newTopics.withUnsafeMutableBufferPointer {
                unsafe rd_kafka_NewTopic_destroy_array($0.baseAddress, $0.count)
            }
        }
        for topic in topics {
            var errorText = [CChar](repeating: 0, count: 512)
            guard
                let newTopic = unsafe rd_kafka_NewTopic_new(
                    topic.name,
                    topic.partitions,
                    topic.replicationFactor ?? -1,
                    &errorText,
                    errorText.count
                )
            else { throw .configuration("topic '\(topic.name)': \(String(errorBuffer: errorText))") }
            unsafe newTopics.append(newTopic)
            for config in topic.configs {
                try KafkaError.check(
                    unsafe rd_kafka_NewTopic_set_config(newTopic, config.key, config.value),
                    during: "config \(config.key) of topic '\(topic.name)'"
                )
            }
        }
        let options = try unsafe makeOptions(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMilliseconds: timeoutMilliseconds)
        defer { unsafe rd_kafka_AdminOptions_destroy(options) }
        // How long the controller waits for the new partitions to have leaders before answering:
        // without it the topic may not yet be in the metadata that the caller asks for next.
        var errorText = [CChar](repeating: 0, count: 512)
        try KafkaError.check(
            unsafe rd_kafka_AdminOptions_set_operation_timeout(
                options,
                timeoutMilliseconds,
                &errorText,
                errorText.count
            ),
            during: "operation timeout"
        )
        let event = try unsafe awaitResult(operation: "create topics", timeoutMilliseconds: timeoutMilliseconds) {
            queue in
            unsafe newTopics.withUnsafeMutableBufferPointer { buffer in
                unsafe rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { unsafe rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = unsafe rd_kafka_event_CreateTopics_result(event),
            let results = unsafe rd_kafka_CreateTopics_result_topics(result, &count)
        else { return [] }
        return (0..<count).map { index in
            let topic = unsafe results[index]
            let name = unsafe String(cString: rd_kafka_topic_result_name(topic))
            let err = unsafe rd_kafka_topic_result_error(topic)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return NewTopic.Outcome(name: name, error: nil) }
            let text = unsafe rd_kafka_topic_result_error_string(topic).map { unsafe String(cString: $0) }
            return NewTopic.Outcome(name: name, error: .rdkafka(err, reason: text ?? KafkaError.errorText(err)))
        }
    }

    /// Sends one DescribeConfigs request for the topics `names`: each topic's configs or the
    /// broker's refusal.
    func describeTopicConfigs(
        _ names: [String],
        timeoutMilliseconds: Int32
    ) throws(KafkaError) -> [String: Result<[TopicConfigEntry], KafkaError>] {
        var resources: [OpaquePointer?] = unsafe []
        defer {
            unsafe resources.withUnsafeMutableBufferPointer {
                unsafe rd_kafka_ConfigResource_destroy_array($0.baseAddress, $0.count)
            }
        }
        for name in names {
            guard let resource = unsafe rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
                throw .configuration("topic '\(name)': librdkafka refused the name")
            }
            unsafe resources.append(resource)
        }
        let options = try unsafe makeOptions(
            RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
            timeoutMilliseconds: timeoutMilliseconds
        )
        defer { unsafe rd_kafka_AdminOptions_destroy(options) }
        let event = try unsafe awaitResult(operation: "describe configs", timeoutMilliseconds: timeoutMilliseconds) {
            queue in
            unsafe resources.withUnsafeMutableBufferPointer { buffer in
                unsafe rd_kafka_DescribeConfigs(client.handle, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { unsafe rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = unsafe rd_kafka_event_DescribeConfigs_result(event),
            let described = unsafe rd_kafka_DescribeConfigs_result_resources(result, &count)
        else { return [:] }
        var configs: [String: Result<[TopicConfigEntry], KafkaError>] = [:]
        for index in 0..<count {
            let resource = unsafe described[index]
            let name = unsafe String(cString: rd_kafka_ConfigResource_name(resource))
            let err = unsafe rd_kafka_ConfigResource_error(resource)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let text = unsafe rd_kafka_ConfigResource_error_string(resource).map { unsafe String(cString: $0) }
                configs[name] = .failure(.rdkafka(err, reason: text ?? KafkaError.errorText(err)))
                continue
            }
            configs[name] = .success(unsafe entries(of: resource))
        }
        return configs
    }

    // MARK: - Helpers

    private func entries(of resource: OpaquePointer?) -> [TopicConfigEntry] {
        var count = 0
        guard let entries = unsafe rd_kafka_ConfigResource_configs(resource, &count) else { return [] }
        return (0..<count).map { index in
            let entry = unsafe entries[index]
            return unsafe TopicConfigEntry(
                name: String(cString: rd_kafka_ConfigEntry_name(entry)),
                value: rd_kafka_ConfigEntry_value(entry).map { unsafe String(cString: $0) },
                source: String(cString: rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entry))),
                isDefault: rd_kafka_ConfigEntry_is_default(entry) != 0,
                isReadOnly: rd_kafka_ConfigEntry_is_read_only(entry) != 0,
                isSensitive: rd_kafka_ConfigEntry_is_sensitive(entry) != 0
            )
        }
    }

    private func makeOptions(
        _ operation: rd_kafka_admin_op_t,
        timeoutMilliseconds: Int32
    ) throws(KafkaError) -> OpaquePointer {
        guard let options = unsafe rd_kafka_AdminOptions_new(client.handle, operation) else {
            throw .clientCreation("librdkafka could not create admin options")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        let err = unsafe rd_kafka_AdminOptions_set_request_timeout(
            options,
            timeoutMilliseconds,
            &errorText,
            errorText.count
        )
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            unsafe rd_kafka_AdminOptions_destroy(options)
            throw .rdkafka(err, reason: "request timeout: \(String(errorBuffer: errorText))")
        }
        return unsafe options
    }

    /// Starts a request on a fresh queue and waits for its result event, which the caller must
    /// destroy. A request-level failure (timeout, no controller) throws with librdkafka's text.
    private func awaitResult(
        operation: String,
        timeoutMilliseconds: Int32,
        start: (OpaquePointer) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        guard let queue = unsafe rd_kafka_queue_new(client.handle) else {
            throw .clientCreation("librdkafka could not create a queue for \(operation)")
        }
        // The pending request holds a reference of its own, so destroying the queue after a
        // timed-out poll leaves nothing dangling.
        defer { unsafe rd_kafka_queue_destroy(queue) }
        unsafe start(queue)
        // librdkafka times the request out itself and posts that as the result; the extra second
        // only lets that result arrive.
        guard let event = unsafe rd_kafka_queue_poll(queue, timeoutMilliseconds + 1_000) else {
            serveCallbacks()
            throw .timedOut("\(operation): no answer within \(timeoutMilliseconds) ms")
        }
        let err = unsafe rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = unsafe rd_kafka_event_error_string(event).map { unsafe String(cString: $0) }
            unsafe rd_kafka_event_destroy(event)
            serveCallbacks()
            throw .rdkafka(err, reason: text ?? KafkaError.errorText(err))
        }
        return unsafe event
    }

    /// Serves the client's queued error and log callbacks now. A blocking request does not serve
    /// them, and after a failure they are what says why (a refused connection, failed
    /// authentication).
    private func serveCallbacks() {
        _ = unsafe rd_kafka_poll(client.handle, 0)
    }

    private func controllerID(timeoutMilliseconds: Int32) -> Int32? {
        let id = unsafe rd_kafka_controllerid(client.handle, timeoutMilliseconds)
        return id >= 0 ? id : nil
    }

    private func clusterID(timeoutMilliseconds: Int32) -> String? {
        guard let id = unsafe rd_kafka_clusterid(client.handle, timeoutMilliseconds) else { return nil }
        defer { unsafe rd_kafka_mem_free(client.handle, id) }
        return unsafe String(cString: id)
    }

    /// One metadata request: brokers always, and every topic when `allTopics`.
    private func fetchMetadata(allTopics: Bool, timeoutMilliseconds: Int32) throws(KafkaError) -> ClusterMetadata {
        var pointer: UnsafePointer<rd_kafka_metadata>? = nil
        let err = unsafe rd_kafka_metadata(client.handle, allTopics ? 1 : 0, nil, &pointer, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata = unsafe pointer else {
            if let pointer = unsafe pointer { unsafe rd_kafka_metadata_destroy(pointer) }
            serveCallbacks()
            throw .rdkafka(err, reason: "no broker answered a metadata request within \(timeoutMilliseconds) ms")
        }
        defer { unsafe rd_kafka_metadata_destroy(metadata) }
        let raw = unsafe metadata.pointee
        let brokers = unsafe (0..<Int(raw.broker_cnt)).map { index in
            let broker = unsafe raw.brokers[index]
            return unsafe ClusterMetadata.Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        let topics = unsafe (0..<Int(raw.topic_cnt)).map { index in unsafe topic(raw.topics[index]) }
        return unsafe ClusterMetadata(
            brokers: brokers.sorted { $0.id < $1.id },
            topics: topics.sorted { $0.name < $1.name },
            controllerID: nil,
            clusterID: nil,
            answeredBy: raw.orig_broker_name.map { unsafe String(cString: $0) } ?? String(raw.orig_broker_id)
        )
    }

    private func topic(_ raw: rd_kafka_metadata_topic) -> ClusterMetadata.Topic {
        let partitions = unsafe (0..<Int(raw.partition_cnt)).map { index in
            let partition = unsafe raw.partitions[index]
            return unsafe ClusterMetadata.Partition(
                id: partition.id,
                leader: partition.leader,
                replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))),
                error: partition.err == RD_KAFKA_RESP_ERR_NO_ERROR
                    ? nil : .rdkafka(partition.err, reason: KafkaError.errorText(partition.err))
            )
        }
        let name = unsafe String(cString: raw.topic)
        return ClusterMetadata.Topic(
            name: name,
            partitions: partitions.sorted { $0.id < $1.id },
            error: unsafe raw.err == RD_KAFKA_RESP_ERR_NO_ERROR
                ? nil : .rdkafka(raw.err, reason: KafkaError.errorText(raw.err))
        )
    }
}
