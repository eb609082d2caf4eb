import CRdKafka

/// Owns an `rd_kafka_conf_t` until ``take()`` hands it to `rd_kafka_new`, which takes ownership.
@safe struct RDKafkaConfig: ~Copyable {
    private let pointer: OpaquePointer

    init(_ configuration: KafkaConfiguration) throws(KafkaError) {
        unsafe pointer = unsafe rd_kafka_conf_new()
        for (key, value) in configuration.properties {
            try set(key, value)
        }
    }

    deinit {
        unsafe rd_kafka_conf_destroy(pointer)
    }

    func set(_ key: String, _ value: String) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        let result = unsafe rd_kafka_conf_set(pointer, key, value, &errorText, errorText.count)
        guard result == RD_KAFKA_CONF_OK else {
            let detail = String(errorBuffer: errorText)
            let unknown = result == RD_KAFKA_CONF_UNKNOWN
            throw .configuration(KafkaConfiguration.refusal(key: key, value: value, unknown: unknown, detail: detail))
        }
    }

    /// Points librdkafka's callbacks at `context`, which must outlive the client handle.
    func install(_ context: RDKafkaCallbackContext, rebalance: Bool) {
        unsafe rd_kafka_conf_set_opaque(pointer, Unmanaged.passUnretained(context).toOpaque())
        unsafe rd_kafka_conf_set_log_cb(pointer, rdkafkaLogCallback)
        unsafe rd_kafka_conf_set_error_cb(pointer, rdkafkaErrorCallback)
        if context.onStatistics != nil {
            unsafe rd_kafka_conf_set_stats_cb(pointer, rdkafkaStatisticsCallback)
        }
        if context.onDelivery != nil {
            unsafe rd_kafka_conf_set_dr_msg_cb(pointer, rdkafkaDeliveryCallback)
        }
        if rebalance {
            unsafe rd_kafka_conf_set_rebalance_cb(pointer, rdkafkaRebalanceCallback)
        }
    }

    /// Gives up ownership: the caller must pass the pointer to `rd_kafka_new`, which frees it on
    /// success; on failure the caller must destroy it.
    consuming func take() -> OpaquePointer {
        let pointer = unsafe self.pointer
        discard self
        return unsafe pointer
    }
}
