import Kafka

/// A consumed record on its way to a worker.
public struct InputRecord: Sendable {
    public var message: KafkaMessage
    /// The offset tracker's ticket; the output must carry it back.
    public var ticket: OffsetTracker.Ticket
    /// Monotonic nanoseconds when the polling thread received it.
    public var receivedNanoseconds: Int64

    public init(message: KafkaMessage, ticket: OffsetTracker.Ticket, receivedNanoseconds: Int64) {
        self.message = message
        self.ticket = ticket
        self.receivedNanoseconds = receivedNanoseconds
    }
}

/// A worker's answer for one input record: a prediction or a dead letter.
public struct OutputRecord: Sendable {
    public enum Destination: Sendable, Hashable {
        case prediction
        case deadLetter
        /// Not answered now: the record waited for something outside the service (a schema
        /// registry) until shutdown. Nothing is produced and its offset is not committed, so the
        /// next owner of the partition reads it again.
        case unanswered
    }

    public var destination: Destination
    public var ticket: OffsetTracker.Ticket
    public var key: [UInt8]?
    /// The value; nil is a null value (a dead letter of a tombstone).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    public var receivedNanoseconds: Int64
    /// For predictions: whether the model called the request anomalous.
    public var anomalous: Bool
    /// For predictions with a shadow model: what it said, for the agreement counters and the
    /// `shadow-output` topic.
    public var shadow: ShadowAnswer? = nil

    public init(
        destination: Destination,
        ticket: OffsetTracker.Ticket,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        receivedNanoseconds: Int64,
        anomalous: Bool = false
    ) {
        self.destination = destination
        self.ticket = ticket
        self.key = key
        self.value = value
        self.headers = headers
        self.receivedNanoseconds = receivedNanoseconds
        self.anomalous = anomalous
    }

    /// The placeholder for a record left unanswered at shutdown (``Destination/unanswered``).
    static func unanswered(_ input: InputRecord) -> OutputRecord {
        OutputRecord(
            destination: .unanswered,
            ticket: input.ticket,
            key: nil,
            value: nil,
            receivedNanoseconds: input.receivedNanoseconds
        )
    }

    /// A dead letter for `input`: its original key and value (a null value stays null), with the
    /// service's headers naming the error and where the record came from, then the input's own
    /// headers except those the service owns (``DeadLetterHeader/isReserved(_:)``).
    static func deadLetter(
        for input: InputRecord,
        error code: String,
        detail: String,
        schemaID: UInt32? = nil
    ) -> OutputRecord {
        let message = input.message
        // The service's headers first, and no input header in its namespace: a reader taking the
        // first (or the last) `x-anomaly-error` gets the service's, never one the sender forged.
        return OutputRecord(
            destination: .deadLetter,
            ticket: input.ticket,
            key: message.key,
            value: message.isTombstone ? nil : message.value,
            headers: [
                KafkaHeader(name: DeadLetterHeader.error, string: code),
                KafkaHeader(name: DeadLetterHeader.detail, string: detail),
                KafkaHeader(name: DeadLetterHeader.sourceTopic, string: message.topic),
                KafkaHeader(name: DeadLetterHeader.sourcePartition, string: String(message.partition)),
                KafkaHeader(name: DeadLetterHeader.sourceOffset, string: String(message.offset)),
            ] + (schemaID.map { [KafkaHeader(name: DeadLetterHeader.schemaID, string: String($0))] } ?? [])
                + message.headers.filter { !DeadLetterHeader.isReserved($0.name) },
            receivedNanoseconds: input.receivedNanoseconds
        )
    }
}

/// Header names on dead-letter records (documented in docs/CONTRACT.md).
public enum DeadLetterHeader {
    /// A stable error code, e.g. `invalidUTF8`, `missingPath`, `notJSONObject`.
    public static let error = "x-anomaly-error"
    /// A human-readable explanation.
    public static let detail = "x-anomaly-error-detail"
    public static let sourceTopic = "x-anomaly-source-topic"
    public static let sourcePartition = "x-anomaly-source-partition"
    public static let sourceOffset = "x-anomaly-source-offset"
    /// The writer schema's registry id, on dead letters of Avro records in the wire format.
    public static let schemaID = "x-anomaly-schema-id"
    /// Present ("true") when the original value was cut to fit the dead-letter topic's size limit.
    public static let truncated = "x-anomaly-truncated"
    /// With ``truncated``: what was cut, comma-separated from `headers`, `key`, `value`.
    public static let truncatedFields = "x-anomaly-truncated-fields"

    /// The namespace of the service's own headers, which input headers may not use.
    public static let reservedPrefix = "x-anomaly-"

    /// Whether `name` is in the service's namespace (`x-anomaly-`, in any case): such input
    /// headers are dropped from dead letters, so none can pass for the service's.
    public static func isReserved(_ name: String) -> Bool {
        // ASCII case folding only: Unicode's would also fold look-alikes such as the Kelvin sign.
        name.utf8.count >= reservedPrefix.utf8.count
            && name.utf8.prefix(reservedPrefix.utf8.count).elementsEqual(reservedPrefix.utf8) { byte, reserved in
                (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == reserved
            }
    }
}
