import CRdKafka

extension KafkaError {
    /// Maps a librdkafka response code to an error, naming the operation that failed.
    static func rdkafka(
        _ err: rd_kafka_resp_err_t,
        during operation: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        rdkafka(err, reason: "\(operation): \(errorText(err))", file: file, line: line)
    }

    /// Maps a librdkafka response code to an error whose reason is `reason` as given: for the
    /// broker's own explanation, which admin results carry next to the code.
    static func rdkafka(
        _ err: rd_kafka_resp_err_t,
        reason: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        let code: Code =
            switch err {
            case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT: .timedOut
            case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE:
                .brokerUnreachable
            case RD_KAFKA_RESP_ERR__QUEUE_FULL: .queueFull
            case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: .messageTooLarge
            case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL: .configuration
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: .topicAlreadyExists
            case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION: .unsupportedByBroker
            default: .underlying
            }
        return KafkaError(code: code, reason: reason, rdkafkaCode: err.rawValue, file: file, line: line)
    }

    /// Throws unless `err` is `RD_KAFKA_RESP_ERR_NO_ERROR`: the one place return codes become throws.
    static func check(
        _ err: rd_kafka_resp_err_t,
        during operation: String,
        file: String = #fileID,
        line: UInt = #line
    )
        throws(KafkaError)
    {
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .rdkafka(err, during: operation, file: file, line: line)
        }
    }

    /// librdkafka's text for a response code.
    static func errorText(_ err: rd_kafka_resp_err_t) -> String {
        unsafe String(cString: rd_kafka_err2str(err))
    }
}

/// The linked librdkafka's version string, e.g. "2.0.2".
public var librdkafkaVersion: String {
    unsafe String(cString: rd_kafka_version_str())
}

extension String {
    /// Decodes a NUL-terminated error buffer filled by a C call.
    init(errorBuffer: [CChar]) {
        let bytes = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}

extension KafkaError {
    /// Whether the broker or librdkafka refused this message for what it is (too large, invalid,
    /// a topic it may not be written to), so sending the same bytes again cannot succeed; false
    /// for passing failures (timeouts, purges after an abort, transport).
    public var refusesTheMessage: Bool {
        switch rd_kafka_resp_err_t(rawValue: rdkafkaCode) {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
            RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            true
        default:
            false
        }
    }
}
