/// librdkafka properties for one client, as `key=value` strings.
///
/// Any property librdkafka knows passes through unchanged; an unknown key or invalid value is
/// refused with ``KafkaError/Code/configuration`` when the client is created, naming the property.
/// The `consumer`/`producer` factories set the project's tuned defaults; callers override by
/// assigning through the subscript.
public struct KafkaConfiguration: Sendable, Equatable {
    /// Properties in the order they were set; later assignments replace earlier ones.
    public private(set) var properties: [(key: String, value: String)] = []

    public init(_ properties: [String: String] = [:]) {
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            self[key] = value
        }
    }

    public subscript(key: String) -> String? {
        get { properties.last(where: { $0.key == key })?.value }
        set {
            properties.removeAll { $0.key == key }
            if let newValue { properties.append((key, newValue)) }
        }
    }

    /// The largest record librdkafka will send (`message.max.bytes`; its default is 1,000,000).
    public var maxMessageBytes: Int {
        self["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    /// Applies `key=value` overrides, as given on a command line; throws on a malformed pair.
    public mutating func apply(overrides: [String]) throws(KafkaError) {
        for pair in overrides {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                // Not shown: without a key there is no telling whether the text is a secret.
                throw .configuration("a librdkafka property is not of the form key=value (its text is not shown)")
            }
            self[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
    }

    /// Checks one property as librdkafka does when a client is created, so a caller can name the
    /// property's source: an unknown key or an invalid value throws ``KafkaError/Code/configuration``
    /// (with the value hidden where ``isSensitive(_:)`` says so).
    public static func check(key: String, value: String) throws(KafkaError) {
        _ = try RDKafkaConfig(KafkaConfiguration([key: value]))
    }

    /// Whether the value of property `key` may be a secret, so it must never be echoed in an error
    /// or a log line: a key containing `password`, `secret`, `jaas`, `key` or `token`, in any case
    /// (`sasl.password`, `ssl.key.pem`, `sasl.oauthbearer.client.secret`, `sasl.jaas.config`).
    public static func isSensitive(_ key: some StringProtocol) -> Bool {
        let lowered = key.lowercased()
        return sensitiveWords.contains { lowered.contains($0) }
    }

    private static let sensitiveWords = ["password", "secret", "jaas", "key", "token"]

    /// Why a property was refused, naming its key. The value is shown only for a known property
    /// whose key does not look secret: an unknown key may be a misspelt secret one
    /// (`sasl.pasword`), and librdkafka's own explanation quotes the value it refused.
    package static func refusal(key: String, value: String, unknown: Bool, detail: String) -> String {
        if unknown {
            return "librdkafka property '\(key)' is unknown (its value is not shown)"
        }
        guard isSensitive(key) else {
            return "librdkafka property '\(key)=\(value)' refused: \(detail)"
        }
        let explanation = !value.isEmpty && detail.contains(value) ? "librdkafka's explanation quotes it" : detail
        return "librdkafka property '\(key)' refused (its value is not shown): \(explanation)"
    }

    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool {
        lhs.properties.elementsEqual(rhs.properties) { $0.key == $1.key && $0.value == $1.value }
    }

    /// A consumer in group `groupID` set up for at-least-once processing.
    ///
    /// - Offsets are stored only by the application (`enable.auto.offset.store=false`) after its
    ///   output is acknowledged, and auto-committed from that store every second.
    /// - `cooperative-sticky` assignment, so a rebalance moves only the partitions that must move.
    /// - librdkafka 2.0.2 stops fetching for about a second whenever its local queue reaches
    ///   `queued.min.messages` or `queued.max.messages.kbytes` (librdkafka issue #2879). The count
    ///   limit is set out of reach; the 64 MiB byte limit bounds memory and is only reached with
    ///   seconds of work queued, so that pause never starves the workers.
    /// - `fetch.wait.max.ms=1`: how long a broker may hold a fetch that finds no data. A real broker
    ///   answers as soon as data arrives, so this only sets the idle fetch cadence; librdkafka's mock
    ///   cluster answers an empty fetch only when it expires, so there it is the latency floor.
    public static func consumer(bootstrapServers: String, groupID: String) -> KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "enable.auto.offset.store": "false",
            "enable.auto.commit": "true",
            "auto.commit.interval.ms": "1000",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
            "queued.min.messages": "1000000",
            "queued.max.messages.kbytes": "65536",
            "fetch.wait.max.ms": "1",
            "fetch.error.backoff.ms": "50",
            "session.timeout.ms": "10000",
            "heartbeat.interval.ms": "1000",
            "socket.nagle.disable": "true",
        ])
    }

    /// An idempotent, LZ4-compressing producer tuned for throughput with a small latency cost.
    ///
    /// `linger.ms=1` lets a batch form under load without adding visible latency at 1,000 requests/s;
    /// `batch.num.messages=10000` and a 1 MiB `batch.size` amortise request overhead when the service
    /// drains a backlog.
    public static func producer(bootstrapServers: String) -> KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": bootstrapServers,
            "enable.idempotence": "true",
            "compression.codec": "lz4",
            "linger.ms": "1",
            "batch.num.messages": "10000",
            "batch.size": "1048576",
            "queue.buffering.max.messages": "200000",
            "queue.buffering.max.kbytes": "262144",
            "socket.nagle.disable": "true",
        ])
    }
}
