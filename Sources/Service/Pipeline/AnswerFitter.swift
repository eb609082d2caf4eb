import Kafka

/// Makes every answer one the broker accepts: cuts answers to the output's size limit, and builds
/// the minimal dead letter that answers for a record whose own answer was refused.
///
/// librdkafka refuses a record whose key, value and headers exceed the producer's
/// `message.max.bytes` before sending it; a broker refuses one over the topic's
/// `max.message.bytes`, or one it may not write (authorisation, unknown topic). Either way the
/// input would stay unanswered and its partition's commit would stop below it for good, so such an
/// answer becomes a dead letter that fits.
package struct AnswerFitter {
    /// The producer's `message.max.bytes`.
    package let maxMessageBytes: Int

    package init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// Kept for the record's framing in librdkafka's size check (its v2 record overhead is under
    /// 100 bytes; the rest is margin).
    static let framingAllowance = 1_024
    /// A longer key is cut to this when the answer does not fit otherwise.
    package static let keptKeyBytes = 1_024
    /// Input headers up to this many bytes (trace context and the like) stay on a dead letter that
    /// is cut; larger ones are dropped first.
    package static let keptInputHeaderBytes = 65_536
    /// The minimal dead letter's caps: small enough for any broker's limit.
    static let minimalKeyBytes = 256
    static let minimalValueBytes = 16_384

    /// The bytes librdkafka counts against `message.max.bytes`, with margin for framing.
    /// Each header also costs its two lengths (varints); 8 bytes covers them.
    package static func wireBytes(key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) -> Int {
        framingAllowance + (key?.count ?? 0) + (value?.count ?? 0) + headers.heldBytes + 8 * headers.count
    }

    package static func wireBytes(of output: OutputRecord) -> Int {
        wireBytes(key: output.key, value: output.value, headers: output.headers)
    }

    /// `output` when it fits. A dead letter that does not fit loses, in this order, the input's
    /// headers when they exceed 64 KiB, its key beyond 1 KiB and its value's tail. A prediction
    /// that does not fit (its key is the input's) becomes an `answerTooLarge` dead letter whose
    /// value is the prediction.
    /// `source` is asked only for an answer that does not fit (it takes the tracker's lock).
    package func fitted(
        _ output: OutputRecord,
        source: @autoclosure () -> TopicPartitionOffset?
    ) -> OutputRecord {
        let size = Self.wireBytes(of: output)
        guard size > maxMessageBytes else { return output }
        switch output.destination {
        case .unanswered:
            return output
        case .deadLetter:
            return cut(output)
        case .prediction:
            let letter = OutputRecord(
                destination: .deadLetter,
                ticket: output.ticket,
                key: output.key,
                value: output.value,
                headers: Self.serviceHeaders(
                    error: "answerTooLarge",
                    detail:
                        "the prediction (\(size) bytes with its key) exceeds message.max.bytes (\(maxMessageBytes))",
                    source: source()
                ),
                receivedNanoseconds: output.receivedNanoseconds
            )
            return cut(letter)
        }
    }

    /// The last answer for a record whose answer `refusal` refused for good: its key and value cut
    /// to a few KiB, the service's headers only.
    package func minimalDeadLetter(
        ticket: OffsetTracker.Ticket,
        key: [UInt8]?,
        value: [UInt8]?,
        source: TopicPartitionOffset?,
        refusedBy topic: String,
        refusal: KafkaError,
        receivedNanoseconds: Int64
    ) -> OutputRecord {
        var cutFields: [String] = []
        var key = key
        if let whole = key, whole.count > Self.minimalKeyBytes {
            key = Array(whole.prefix(Self.minimalKeyBytes))
            cutFields.append("key")
        }
        var value = value
        if let whole = value, whole.count > Self.minimalValueBytes {
            value = Array(whole.prefix(Self.minimalValueBytes))
            cutFields.append("value")
        }
        var headers = Self.serviceHeaders(
            error: refusal.code == .messageTooLarge ? "answerTooLarge" : "answerRefused",
            detail: "'\(topic)' refused the answer: \(refusal.reason)",
            source: source
        )
        if !cutFields.isEmpty { headers += Self.truncationHeaders(cutFields) }
        return OutputRecord(
            destination: .deadLetter,
            ticket: ticket,
            key: key,
            value: value,
            headers: headers,
            receivedNanoseconds: receivedNanoseconds
        )
    }

    private func cut(_ letter: OutputRecord) -> OutputRecord {
        var letter = letter
        var cutFields: [String] = []
        let marker = Self.truncationHeaders(["headers", "key", "value"])
        func fits() -> Bool {
            Self.wireBytes(key: letter.key, value: letter.value, headers: letter.headers + marker) <= maxMessageBytes
        }
        func dropInputHeaders() {
            letter.headers = letter.headers.filter { DeadLetterHeader.isReserved($0.name) }
            cutFields.append("headers")
        }
        let inputHeaderBytes = letter.headers.filter { !DeadLetterHeader.isReserved($0.name) }.heldBytes
        // Small input headers (trace context) stay; large ones go before the evidence is cut.
        if !fits() && inputHeaderBytes > Self.keptInputHeaderBytes { dropInputHeaders() }
        if let key = letter.key, key.count > Self.keptKeyBytes, !fits() {
            letter.key = Array(key.prefix(Self.keptKeyBytes))
            cutFields.append("key")
        }
        if let value = letter.value, !fits() {
            let room = maxMessageBytes - Self.wireBytes(key: letter.key, value: nil, headers: letter.headers + marker)
            letter.value = Array(value.prefix(max(0, room)))
            cutFields.append("value")
        }
        if !fits() && inputHeaderBytes > 0 && !cutFields.contains("headers") { dropInputHeaders() }
        // The service's headers come first (docs/CONTRACT.md): the marks go after them.
        let end = letter.headers.firstIndex { !DeadLetterHeader.isReserved($0.name) } ?? letter.headers.endIndex
        letter.headers.insert(contentsOf: Self.truncationHeaders(cutFields), at: end)
        return letter
    }

    private static func truncationHeaders(_ fields: [String]) -> [KafkaHeader] {
        [
            KafkaHeader(name: DeadLetterHeader.truncated, string: "true"),
            KafkaHeader(name: DeadLetterHeader.truncatedFields, string: fields.joined(separator: ",")),
        ]
    }

    private static func serviceHeaders(error: String, detail: String, source: TopicPartitionOffset?) -> [KafkaHeader] {
        var headers = [
            KafkaHeader(name: DeadLetterHeader.error, string: error),
            KafkaHeader(name: DeadLetterHeader.detail, string: detail),
        ]
        if let source {
            headers += [
                KafkaHeader(name: DeadLetterHeader.sourceTopic, string: source.topicPartition.topic),
                KafkaHeader(name: DeadLetterHeader.sourcePartition, string: String(source.topicPartition.partition)),
                KafkaHeader(name: DeadLetterHeader.sourceOffset, string: String(source.offset)),
            ]
        }
        return headers
    }
}
