import Kafka
import Platform

/// Everything `anomaly-service serve` needs, from defaults, a TOML file, the environment and flags,
/// in that order of precedence (flags win): ``resolve(arguments:environment:)``.
///
/// Each setting is declared once, in ``settings``: its name is the flag (`--dead-letter`), the
/// file key (`dead-letter`) and the environment variable (`ANOMALY_DEAD_LETTER`). librdkafka
/// properties pass through from a properties file (`kafka-config`), the file's `[kafka]`,
/// `[kafka.consumer]` and `[kafka.producer]` tables, one `ANOMALY_KAFKA_<NAME>` variable per
/// property, and `--kafka key=value` flags; those that would break at-least-once are refused.
public struct ServiceConfiguration: Sendable, Equatable {
    public var brokers = "127.0.0.1:9092"
    public var group = "anomaly-service"
    public var input = "requests"
    public var output = "predictions"
    public var deadLetter = "requests.dlq"
    public var model = "models/default.model"
    /// A second model that scores every request beside ``model``, for comparison only: its verdict
    /// goes into the prediction (or to ``shadowOutput``) and never decides anything; nil: none.
    public var shadowModel: String? = nil
    /// The topic of the shadow model's verdicts; nil: each prediction carries them instead.
    public var shadowOutput: String? = nil
    /// Consumer instances (and polling threads) in this process.
    public var consumers = 1
    /// Worker threads; nil means one per CPU the process may use.
    public var workers: Int? = nil
    /// Largest micro-batch a worker scores at once.
    public var maxBatch = 64
    /// The p99 receipt-to-hand-off latency, in milliseconds, that sizes micro-batches between 1
    /// and ``maxBatch`` (``BatchSizeController``); nil: every batch may take up to ``maxBatch``.
    public var latencyBudgetMilliseconds: Double? = nil
    /// Capacity of each consumer's input ring and of the result ring (rounded up to a power of two).
    public var ringCapacity = 8_192
    public var pinThreads = true
    /// Unacknowledged records one partition may have before it is paused.
    public var maxInFlightPerPartition = 100_000
    /// Bytes of records the process may hold in flight, over its rings and librdkafka's queues
    /// (``inFlightByteShares``); nil: 1 GiB, or half the container's memory limit if smaller
    /// (16 MiB in the `edge` profile).
    public var maxInFlightBytes: Int? = nil
    /// How long a revocation waits for in-flight results before giving the partitions up.
    public var revokeTimeoutSeconds = 10.0
    /// How long a graceful shutdown may take before the process exits anyway.
    public var shutdownTimeoutSeconds = 30.0
    /// At-least-once (the default) or exactly-once (Kafka transactions).
    public var guarantee = DeliveryGuarantee.atLeastOnce
    /// The producer's `transactional.id` under exactly-once; nil: `<group>-<host name>`.
    public var transactionalID: String? = nil
    /// Longest a transaction stays open under exactly-once.
    public var transactionIntervalMilliseconds = 100
    /// Most records one transaction holds under exactly-once.
    public var transactionMaxRecords = 50_000
    /// Properties for both clients, then for each (later entries win).
    public var kafka: [String] = []
    public var kafkaConsumer: [String] = []
    public var kafkaProducer: [String] = []
    /// Port of the metrics and health endpoint (`/metrics`, `/healthz`, `/readyz`); nil: none.
    public var metricsPort: UInt16? = nil
    /// Address the endpoint listens on.
    public var metricsHost = "127.0.0.1"
    /// How often `serve` checks the model file for a change to reload; 0: only on SIGHUP.
    public var modelPollSeconds = 2.0
    /// Bytes a model may take: its decoded file, and scoring with it (its arrays plus every
    /// worker's buffers, ``SVMModel/scoringMemory(workers:maxBatch:limits:)``). A model over it is
    /// refused at start and at reload.
    public var maxModelMemory = 1 << 30
    /// `default`, or `edge`: small gateways (see ``applyingProfile(allowedCPUs:)``).
    public var profile = "default"
    /// Top terms that explain each anomalous prediction (0: none; linear models only).
    public var explain = 0
    /// Thresholds per path prefix (`[thresholds]` in the file, `--threshold PREFIX=VALUE`).
    public var routeThresholds = RouteThresholds()

    /// How message values are read: `auto` tells an Avro record in the Confluent wire format by its
    /// first byte (0) from a JSON object (`{`) and an access-log line (anything else).
    public var inputFormat = InputFormat.auto
    /// How predictions are written; `avro` registers the prediction schema under
    /// `<output>-value` in the schema registry and writes the Confluent wire format.
    public var outputFormat = OutputFormat.json
    /// Schema Registry base URLs, tried in order; empty: none.
    public var schemaRegistryURLs: [String] = []
    /// `user:password` for the registry's HTTP basic authentication.
    public var schemaRegistryBasicAuth: String? = nil
    /// PEM files for the registry's TLS: the CA bundle, and a client certificate and key.
    public var schemaRegistryCA: String? = nil
    public var schemaRegistryCertificate: String? = nil
    public var schemaRegistryKey: String? = nil
    /// How long one registry request may take.
    public var schemaRegistryTimeoutMilliseconds = 5_000
    /// A local `.avsc` writer schema for Avro records without the wire format's header.
    public var avroSchemaFile: String? = nil
    /// `REQUEST_FIELD=RECORD_FIELD` entries that override the default field mapping.
    public var avroFields: [String] = []
    /// Input headers copied onto predictions besides W3C trace context (`traceparent`,
    /// `tracestate`), which always is; names are compared ASCII case-insensitively.
    public var carryHeaders: [String] = []

    /// The TOML configuration file the settings were read from, if any.
    public var configFile: String? = nil
    /// A librdkafka properties file (`client.properties`); its properties come before all others.
    public var kafkaConfigFile: String? = nil
    /// How long `serve` waits for a broker at start; 0: forever.
    public var waitForBrokerSeconds = 0.0
    /// swift-log's level name.
    public var logLevel = "info"
    /// `text`, or `json` for log shippers.
    public var logFormat = "text"

    public init() {}

    /// Sets the setting called `name` (or an alias of it) from text; `source` names where it came
    /// from in errors (`flag --workers`, `serve.toml:3`, `environment ANOMALY_WORKERS`).
    public mutating func set(_ name: String, _ text: String, source: String) throws(ServiceError) {
        guard let setting = Self.setting(named: name) else {
            throw .configuration("\(source): unknown setting '\(name)'\(Self.suggestion(for: name))")
        }
        try setting.apply(&self, text, source)
    }

    /// `text` as a positive byte count: digits, then optionally `B`, `KiB`, `MiB`, `GiB` or `TiB`
    /// (spaces allowed around them); nil when it is not one or overflows.
    package static func byteCount(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let units = ["": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40]
        guard let number = Int(digits), number > 0,
            let shift = units[String(trimmed.dropFirst(digits.count).trimmingWhitespace)],
            number <= Int.max >> shift
        else { return nil }
        return number << shift
    }

    /// Sets the threshold for requests whose path starts with `prefix` (a path, so it starts with `/`).
    mutating func setThreshold(_ prefix: String, _ text: String, source: String) throws(ServiceError) {
        try routeThresholds.set(prefix, text, source: source)
    }

    /// Checks relations between settings that single values cannot show.
    public func validate() throws(ServiceError) {
        guard Set([input, output, deadLetter]).count == 3 else {
            throw .configuration(
                "input, output and dead-letter topics must differ (got '\(input)', '\(output)', '\(deadLetter)')"
            )
        }
        if let shadowOutput {
            guard shadowModel != nil else {
                throw .configuration("shadow-output '\(shadowOutput)' needs shadow-model: there is no verdict to send")
            }
            guard ![input, output, deadLetter].contains(shadowOutput) else {
                throw .configuration(
                    "shadow-output must differ from the input, output and dead-letter topics (got '\(shadowOutput)')"
                )
            }
            // In a transaction a refused shadow record would abort the answers with it: a
            // secondary output could then hold back commits, which it must never do.
            guard guarantee != .exactlyOnce else {
                throw .configuration(
                    "shadow-output is for guarantee at-least-once: under exactly-once the shadow verdicts ride in each prediction (drop shadow-output)"
                )
            }
        }
        guard ringCapacity >= maxBatch else {
            throw .configuration("ring-capacity (\(ringCapacity)) must be at least max-batch (\(maxBatch))")
        }
        guard maxBatch <= Self.maxBatchLimit else {
            throw .configuration("max-batch must be at most \(Self.maxBatchLimit), got \(maxBatch)")
        }
        guard consumers <= 64 else { throw .configuration("consumers must be at most 64, got \(consumers)") }
        guard (workers ?? 1) <= 1_024 else { throw .configuration("workers must be at most 1024, got \(workers ?? 0)") }
        if inputFormat == .avro && schemaRegistryURLs.isEmpty && avroSchemaFile == nil {
            throw .configuration(
                "input-format avro needs a schema: schema-registry URL (records in the Confluent wire format) or avro-schema FILE (records without its header)"
            )
        }
        if outputFormat == .avro && schemaRegistryURLs.isEmpty {
            throw .configuration("output-format avro needs schema-registry: the prediction schema is registered there")
        }
        if avroSchemaFile != nil && inputFormat != .avro {
            throw .configuration(
                "avro-schema is for records without the wire format's header: set input-format avro (input-format is \(inputFormat.rawValue))"
            )
        }
    }

    static let minimumInFlightBytes = 4 << 20

    /// How ``maxInFlightBytes`` (resolved) is spent: half on records between the consumers and the
    /// producer (``ByteBudget``: pollers pause their partitions when it is spent), a quarter on the
    /// producer's queue (`queue.buffering.max.kbytes`), a quarter on the consumers' prefetch
    /// (`queued.max.messages.kbytes` and `fetch.max.bytes`, which librdkafka may overshoot by one
    /// fetch). Explicit librdkafka properties win over these.
    public var inFlightByteShares: (total: Int, pipeline: Int, producerQueue: Int, prefetchPerConsumer: Int) {
        let total: Int
        if let maxInFlightBytes {
            total = maxInFlightBytes
        } else if profile == "edge" {
            total = 16 << 20
        } else {
            total = min(1 << 30, max(Self.minimumInFlightBytes, (ProcessMemory.containerLimit() ?? Int.max) / 2))
        }
        return (total, total / 2, total / 4, total / 4 / consumers)
    }

    /// The largest `max-batch`: a batch's feature rows are allocated per worker up front.
    static let maxBatchLimit = 65_536

    /// The workers the pipeline starts: `workers`, or one per CPU in `allowed` (the process's
    /// CPUs; one when unknown).
    func workerCount(allowed: CPUSet?) -> Int {
        workers ?? max(1, allowed?.count ?? 1)
    }

    /// The configuration with its profile's defaults filled in. `edge`, for gateways with a core or
    /// two and little memory: at most 2 workers, micro-batches of 16, rings of 512, 2,000 records
    /// in flight per partition, models of at most 256 MiB, and librdkafka queues of a few MiB
    /// instead of 64-256 MiB. Settings given explicitly (anything not at its default) and
    /// librdkafka properties win.
    public func applyingProfile(allowedCPUs: Int) -> ServiceConfiguration {
        guard profile == "edge" else { return self }
        let defaults = ServiceConfiguration()
        var edge = self
        if workers == nil { edge.workers = max(1, min(2, allowedCPUs)) }
        if maxBatch == defaults.maxBatch { edge.maxBatch = 16 }
        if ringCapacity == defaults.ringCapacity { edge.ringCapacity = 512 }
        if maxInFlightPerPartition == defaults.maxInFlightPerPartition { edge.maxInFlightPerPartition = 2_000 }
        if maxModelMemory == defaults.maxModelMemory { edge.maxModelMemory = 256 << 20 }
        // Queue sizes in bytes follow from max-in-flight-bytes (16 MiB in this profile: a 4 MiB
        // producer queue and 2 MiB of prefetch, as this profile had before the setting existed).
        edge.kafkaConsumer = ["max.partition.fetch.bytes=262144"] + kafkaConsumer
        edge.kafkaProducer =
            ["queue.buffering.max.messages=10000", "batch.size=65536", "batch.num.messages=1000"] + kafkaProducer
        return edge
    }

    /// The consumer's librdkafka configuration: tuned defaults, then `kafka`, then `kafkaConsumer`.
    ///
    /// Offsets are the service's own: its committer stores a watermark only once every answer
    /// below it is acknowledged (``OffsetCommitter/consumerSettings``), so overriding
    /// `enable.auto.commit` or `enable.auto.offset.store` is refused
    /// (``atLeastOnceRefusal(key:value:client:)``).
    package func consumerConfiguration() throws(ServiceError) -> KafkaConfiguration {
        var configuration = KafkaConfiguration.consumer(bootstrapServers: brokers, groupID: group)
        var overrides = KafkaConfiguration()
        try apply(kafka + kafkaConsumer, to: &overrides)
        for (key, value) in overrides.properties {
            if let reason = Self.atLeastOnceRefusal(key: key, value: value, client: .consumer) {
                throw .configuration("'\(key)=\(value)': \(reason)")
            }
        }
        let prefetch = inFlightByteShares.prefetchPerConsumer
        configuration["queued.max.messages.kbytes"] = String(max(1_024, prefetch / 2 / 1_024))
        // At least 1 MiB (librdkafka's message.max.bytes default must fit), at most its default 50 MiB.
        configuration["fetch.max.bytes"] = String(min(52_428_800, max(1_048_576, prefetch / 2)))
        try apply(kafka + kafkaConsumer, to: &configuration)
        for (key, value) in OffsetCommitter.consumerSettings { configuration[key] = value }
        if guarantee == .exactlyOnce {
            // Offsets go only through transactions; inputs written by transactional producers
            // upstream are read once their transactions commit.
            configuration["enable.auto.commit"] = "false"
            configuration["isolation.level"] = "read_committed"
        }
        return configuration
    }

    /// The transactions' settings under exactly-once; nil under at-least-once.
    package var transactionSettings: TransactionSettings? {
        guard guarantee == .exactlyOnce else { return nil }
        return TransactionSettings(
            transactionalID: transactionalID ?? "\(group)-\(currentHostName() ?? "anomaly-service")",
            intervalMilliseconds: transactionIntervalMilliseconds,
            maxRecords: transactionMaxRecords
        )
    }

    /// The producer's librdkafka configuration: tuned defaults, then `kafka`, then `kafkaProducer`.
    package func producerConfiguration() throws(ServiceError) -> KafkaConfiguration {
        var configuration = KafkaConfiguration.producer(bootstrapServers: brokers)
        if let transactions = transactionSettings {
            // librdkafka then bounds message.timeout.ms by transaction.timeout.ms: an answer not
            // delivered in time fails its transaction, which is aborted and sent again.
            configuration["transactional.id"] = transactions.transactionalID
        } else {
            // Never give up on a prediction: a broker outage back-pressures instead of losing output.
            configuration["message.timeout.ms"] = "0"
        }
        configuration["queue.buffering.max.kbytes"] = String(max(1_024, inFlightByteShares.producerQueue / 1_024))
        var overrides = KafkaConfiguration()
        try apply(kafka + kafkaProducer, to: &overrides)
        for (key, value) in overrides.properties {
            if let reason = Self.atLeastOnceRefusal(key: key, value: value, client: .producer) {
                throw .configuration("'\(key)=\(value)': \(reason)")
            }
        }
        try apply(kafka + kafkaProducer, to: &configuration)
        return configuration
    }

    private func apply(_ overrides: [String], to configuration: inout KafkaConfiguration) throws(ServiceError) {
        do {
            try configuration.apply(overrides: overrides)
        } catch {
            throw .configuration(error.reason)
        }
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    func droppingPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
