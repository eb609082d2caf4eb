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

/// Receives a consumer's rebalance events in Swift types; implemented by ``KafkaConsumer``.
protocol RebalanceDispatcher: AnyObject, Sendable {
    /// `partitions` were added to the assignment (already taken).
    func assigned(_ partitions: [TopicPartition])
    /// `partitions` are being revoked. Return true to keep them until
    /// `RDKafkaConsumerHandle.releaseRevoked(_:)`; false gives them up when this returns.
    func revoking(_ partitions: [TopicPartition], lost: Bool) -> Bool
    /// The rebalance failed; the whole assignment is given up after this returns.
    func rebalanceFailed(_ error: KafkaError)
}

/// A log line from librdkafka; `level` is syslog's (3 error, 4 warning, 6 info, 7 debug).
public struct KafkaLogEntry: Sendable {
    public var level: Int32
    public var facility: String
    public var message: String
}

let rdkafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle,
    level,
    facility,
    message in
    guard let handle = unsafe handle,
        let context = unsafe RDKafkaCallbackContext.from(rd_kafka_opaque(handle)),
        let onLog = context.onLog
    else { return }
    let facilityText = unsafe facility.map { unsafe String(cString: $0) } ?? ""
    let messageText = unsafe message.map { unsafe String(cString: $0) } ?? ""
    onLog(KafkaLogEntry(level: level, facility: facilityText, message: messageText))
}

let rdkafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        handle,
        code,
        reason,
        opaque in
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
        _,
        json,
        length,
        opaque in
        guard let context = unsafe RDKafkaCallbackContext.from(opaque), let onStatistics = context.onStatistics,
            let json = unsafe json
        else { return 0 }
        // A copy, every statistics interval (seconds): cheap, and the parser stays safe Swift.
        let bytes = unsafe Array(UnsafeRawBufferPointer(start: json, count: length))
        if let statistics = KafkaStatistics(json: bytes) {
            onStatistics(statistics)
        }
        return 0  // 0: librdkafka frees the JSON buffer
    }

let rdkafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _,
        message,
        opaque in
        guard let context = unsafe RDKafkaCallbackContext.from(opaque), let onDelivery = context.onDelivery,
            let message = unsafe message
        else { return }
        let record = unsafe message.pointee
        let err = unsafe record.err
        var report = unsafe DeliveryReport(
            token: UInt(bitPattern: record._private),
            partition: record.partition,
            offset: record.offset
        )
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            report.error = KafkaError.rdkafka(err, during: "delivery")
            report.undelivered = unsafe UndeliveredMessage(
                topic: record.rkt.map { unsafe String(cString: rd_kafka_topic_name($0)) } ?? "",
                key: record.key.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) },
                value: record.payload.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: record.len)) }
            )
        }
        onDelivery(report)
    }

let rdkafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, error, partitions, opaque in
        guard let handle = unsafe handle else { return }
        let context = unsafe RDKafkaCallbackContext.from(opaque)
        guard let dispatcher = context?.rebalance, let partitions = unsafe partitions else {
            // No dispatcher (the consumer is being deinitialised and closes itself): librdkafka
            // waits for the (un)assign call, so make it here or the close never finishes.
            switch error {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                unsafe applyRebalance(handle: handle, revoking: false, partitions: partitions)
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                unsafe applyRebalance(handle: handle, revoking: true, partitions: partitions)
            default:
                unsafe rd_kafka_assign(handle, nil)
            }
            return
        }
        let changed = unsafe RDKafkaTopicPartitionList.offsets(of: partitions).map(\.topicPartition)
        let report = { (err: rd_kafka_resp_err_t, operation: String) in
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
            context?.onError?(.rdkafka(err, during: operation), false)
        }
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            report(unsafe applyRebalance(handle: handle, revoking: false, partitions: partitions), "assign")
            dispatcher.assigned(changed)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = unsafe rd_kafka_assignment_lost(handle) != 0
            if !dispatcher.revoking(changed, lost: lost) {
                report(unsafe applyRebalance(handle: handle, revoking: true, partitions: partitions), "unassign")
            }
        default:
            dispatcher.rebalanceFailed(.rdkafka(error, during: "rebalance"))
            report(unsafe rd_kafka_assign(handle, nil), "unassign")
        }
    }

/// What a rebalance must do at least: take or give up the partitions, incrementally under the
/// cooperative protocol and wholesale under the eager one. Returns librdkafka's refusal, if any.
@discardableResult
func applyRebalance(
    handle: OpaquePointer,
    revoking: Bool,
    partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
) -> rd_kafka_resp_err_t {
    let cooperative = unsafe String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    switch (revoking, cooperative) {
    case (false, true): return unsafe errorCode(taking: rd_kafka_incremental_assign(handle, partitions))
    case (false, false): return unsafe rd_kafka_assign(handle, partitions)
    case (true, true): return unsafe errorCode(taking: rd_kafka_incremental_unassign(handle, partitions))
    case (true, false): return unsafe rd_kafka_assign(handle, nil)
    }
}

/// The code of an `rd_kafka_error_t` (no error for nil), destroying it.
private func errorCode(taking error: OpaquePointer?) -> rd_kafka_resp_err_t {
    guard let error = unsafe error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
    defer { unsafe rd_kafka_error_destroy(error) }
    return unsafe rd_kafka_error_code(error)
}
