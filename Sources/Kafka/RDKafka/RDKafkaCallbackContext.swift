import CRdKafka

/// The Swift side of librdkafka's callbacks for one client handle.
///
/// librdkafka calls log callbacks from its own threads and the others from whichever thread polls
/// the handle, so every handler is `@Sendable` and the handler fields are immutable after creation.
/// `rebalance` is the exception: it is assigned once by ``KafkaConsumer`` before it subscribes, and
/// no rebalance callback can fire before `rd_kafka_subscribe` returns, whose internal locking orders
/// that write before every read.
final class RDKafkaCallbackContext: @unchecked Sendable {
    let onLog: (@Sendable (KafkaLogEntry) -> Void)?
    let onError: (@Sendable (KafkaError, _ fatal: Bool) -> Void)?
    let onStatistics: (@Sendable (KafkaStatistics) -> Void)?
    let onDelivery: (@Sendable (DeliveryReport) -> Void)?
    weak var rebalance: (any RebalanceDispatcher)?

    init(
        onLog: (@Sendable (KafkaLogEntry) -> Void)?,
        onError: (@Sendable (KafkaError, _ fatal: Bool) -> Void)?,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)?,
        onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil
    ) {
        self.onLog = onLog
        self.onError = onError
        self.onStatistics = onStatistics
        self.onDelivery = onDelivery
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        guard let opaque = unsafe opaque else { return nil }
        return unsafe Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// Receives rebalance events for a consumer; implemented by ``KafkaConsumer``.
protocol RebalanceDispatcher: AnyObject, Sendable {
    func rebalance(
        handle: OpaquePointer,
        error: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    )
}

/// A log line from librdkafka; `level` is syslog's (3 error, 4 warning, 6 info, 7 debug).
public struct KafkaLogEntry: Sendable {
    public var level: Int32
    public var facility: String
    public var message: String
}

let rdkafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, message in
    guard let handle = unsafe handle,
        let context = unsafe RDKafkaCallbackContext.from(rd_kafka_opaque(handle)),
        let onLog = context.onLog
    else { return }
    let facilityText = unsafe facility.map { unsafe String(cString: $0) } ?? ""
    let messageText = unsafe message.map { unsafe String(cString: $0) } ?? ""
    onLog(KafkaLogEntry(level: level, facility: facilityText, message: messageText))
}

let rdkafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    handle, code, reason, opaque in
    guard let context = unsafe RDKafkaCallbackContext.from(opaque), let onError = context.onError else { return }
    let err = rd_kafka_resp_err_t(code)
    let reasonText = unsafe reason.map { unsafe String(cString: $0) } ?? ""
    let fatal = err == RD_KAFKA_RESP_ERR__FATAL
    var error = KafkaError.rdkafka(err, during: "client")
    error = KafkaError(code: error.code, reason: reasonText, rdkafkaCode: code)
    onError(error, fatal)
}

let rdkafkaStatisticsCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        _, json, length, opaque in
        guard let context = unsafe RDKafkaCallbackContext.from(opaque), let onStatistics = context.onStatistics,
            let json = unsafe json
        else { return 0 }
        let bytes = unsafe UnsafeRawBufferPointer(start: json, count: length)
        if let statistics = unsafe KafkaStatistics(json: bytes) {
            onStatistics(statistics)
        }
        return 0  // 0: librdkafka frees the JSON buffer
    }

let rdkafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, opaque in
        guard let context = unsafe RDKafkaCallbackContext.from(opaque), let onDelivery = context.onDelivery,
            let message = unsafe message
        else { return }
        let err = unsafe message.pointee.err
        let error: KafkaError? = err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError.rdkafka(err, during: "delivery")
        onDelivery(
            DeliveryReport(
                token: UInt(bitPattern: unsafe message.pointee._private),
                partition: unsafe message.pointee.partition,
                offset: unsafe message.pointee.offset,
                error: error
            )
        )
    }

let rdkafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, error, partitions, opaque in
        guard let handle = unsafe handle else { return }
        if let dispatcher = unsafe RDKafkaCallbackContext.from(opaque)?.rebalance, let partitions = unsafe partitions {
            unsafe dispatcher.rebalance(handle: handle, error: error, partitions: partitions)
        } else {
            // No dispatcher (the consumer is being deinitialised and closes itself): librdkafka
            // waits for the (un)assign call, so make it here or the close never finishes.
            unsafe applyRebalanceDefault(handle: handle, error: error, partitions: partitions)
        }
    }

/// What a rebalance callback must do at least: take or give up the partitions, incrementally
/// under the cooperative protocol and wholesale under the eager one (and give everything up on a
/// rebalance error). Returns librdkafka's refusal, if any, for the caller to report.
@discardableResult
func applyRebalanceDefault(
    handle: OpaquePointer,
    error: rd_kafka_resp_err_t,
    partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
) -> KafkaError? {
    let cooperative = unsafe String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    let (result, operation): (rd_kafka_resp_err_t, String)
    switch (error, cooperative) {
    case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, true):
        result = unsafe errorCode(taking: rd_kafka_incremental_assign(handle, partitions))
        operation = "incremental assign"
    case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, false):
        result = unsafe rd_kafka_assign(handle, partitions)
        operation = "assign"
    case (RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, true):
        result = unsafe errorCode(taking: rd_kafka_incremental_unassign(handle, partitions))
        operation = "incremental unassign"
    default:
        result = unsafe rd_kafka_assign(handle, nil)
        operation = "unassign"
    }
    return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : .rdkafka(result, during: operation)
}

/// The code of an `rd_kafka_error_t` (no error for nil), destroying it.
private func errorCode(taking error: OpaquePointer?) -> rd_kafka_resp_err_t {
    guard let error = unsafe error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
    defer { unsafe rd_kafka_error_destroy(error) }
    return unsafe rd_kafka_error_code(error)
}
