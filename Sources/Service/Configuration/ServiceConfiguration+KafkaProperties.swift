import Kafka
import Platform

extension ServiceConfiguration {
    /// Which client a librdkafka property is for.
    public enum KafkaClient: Sendable {
        case both, consumer, producer
    }

    /// Adds one `key=value` librdkafka property for `client`, checked now, so the error names where
    /// it came from (`serve.toml:14`, `client.properties:3`, `flag -X`): librdkafka must know the key
    /// and accept the value, and the property must not break at-least-once.
    public mutating func addKafkaProperty(_ pair: String, to client: KafkaClient, source: String) throws(ServiceError) {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            // Not shown: without a key there is no telling whether the text is a secret.
            throw .configuration("\(source): a librdkafka property must be key=value (its text is not shown)")
        }
        let key = String(pair[..<equals].trimmingWhitespace)
        let value = String(pair[pair.index(after: equals)...])
        do {
            try KafkaConfiguration.check(key: key, value: value)
        } catch {
            throw .configuration("\(source): \(error.reason)")
        }
        if client != .producer, let reason = Self.atLeastOnceRefusal(key: key, value: value, client: .consumer) {
            throw .configuration("\(source): '\(key)=\(value)': \(reason)")
        }
        if client != .consumer, let reason = Self.atLeastOnceRefusal(key: key, value: value, client: .producer) {
            throw .configuration("\(source): '\(key)=\(value)': \(reason)")
        }
        switch client {
        case .both: kafka.append(key + "=" + value)
        case .consumer: kafkaConsumer.append(key + "=" + value)
        case .producer: kafkaProducer.append(key + "=" + value)
        }
    }

    /// Why `key=value` would break at-least-once for `client` (an input committed before its answer
    /// is stored, or never answered), or nil when it does not.
    static func atLeastOnceRefusal(key: String, value: String, client: KafkaClient) -> String? {
        switch (client, key) {
        case (.consumer, "enable.auto.commit"), (.consumer, "enable.auto.offset.store"):
            return "the service stores and commits offsets itself, only after each answer is acknowledged"
        case (.producer, "acks"), (.producer, "request.required.acks"):
            return value.trimmingWhitespace == "0"
                ? "with acks=0 no answer is ever acknowledged, so inputs would be committed before their answers are stored"
                : nil
        case (.producer, "message.timeout.ms"), (.producer, "delivery.timeout.ms"):
            return value.trimmingWhitespace == "0"
                ? nil
                : "an answer not delivered in time would be given up and its input committed unanswered; the service retries until the broker takes it (0)"
        case (.producer, "transactional.id"):
            return "transactions are the service's own: use --guarantee exactly-once and --transactional-id"
        case (.producer, "delivery.report.only.error"):
            return value.trimmingWhitespace == "false"
                ? nil : "the service commits an input only when its answer's delivery is reported"
        default:
            return nil
        }
    }

    /// The largest librdkafka properties file read: a real one is a few hundred bytes.
    static let maxPropertiesFileBytes = 1 << 20

    /// Reads `kafkaConfigFile` (the `client.properties` that Kafka's tools and kcat `-F` take) and
    /// puts its properties before every other librdkafka property, so the file, the environment and
    /// flags override it.
    ///
    /// The format is Java's properties format as Kafka clients write it: `key=value` or
    /// `key: value` lines, `#` and `!` comments, blank lines, and a trailing `\` continuing a value.
    mutating func applyKafkaConfigFile() throws(ServiceError) {
        guard let path = kafkaConfigFile else { return }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(
                path,
                maxBytes: Self.maxPropertiesFileBytes,
                kind: "librdkafka properties file"
            )
        } catch {
            throw .configuration(error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .configuration("librdkafka properties file '\(path)' is not UTF-8 text")
        }
        var fromFile = ServiceConfiguration()
        for (line, pair) in try Self.propertyLines(text, path: path) {
            try fromFile.addKafkaProperty(pair, to: .both, source: "\(path):\(line)")
        }
        kafka = fromFile.kafka + kafka
    }

    /// The `key=value` pairs of a properties file with the line each starts on.
    static func propertyLines(_ text: String, path: String) throws(ServiceError) -> [(Int, String)] {
        var pairs: [(Int, String)] = []
        var pending: (line: Int, text: String)? = nil
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            if pending == nil {
                line = String(line.trimmingWhitespace)
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            } else {
                line = String(line.trimmingWhitespace)
            }
            let continues = line.hasSuffix("\\") && !line.hasSuffix("\\\\")
            if continues { line.removeLast() }
            let start = pending?.line ?? index + 1
            let joined = (pending?.text ?? "") + line
            if continues {
                pending = (start, joined)
                continue
            }
            pending = nil
            guard let separator = joined.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .configuration("\(path):\(start): expected key=value (its text is not shown)")
            }
            let key = String(joined[..<separator].trimmingWhitespace)
            let value = String(joined[joined.index(after: separator)...].trimmingWhitespace)
            pairs.append((start, key + "=" + value))
        }
        if let pending {
            throw .configuration("\(path):\(pending.line): the file ends inside a continued line")
        }
        return pairs
    }
}
