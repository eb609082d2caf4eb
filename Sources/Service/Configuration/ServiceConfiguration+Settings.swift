extension ServiceConfiguration {
    /// Every setting of `serve`, each declared once: flags, file keys, environment variables,
    /// validation, `--help` and the docs' table all come from here.
    public static let settings: [Setting] = [
        Setting(
            "config",
            placeholder: "FILE",
            default: "none",
            help: "TOML configuration file; the environment and flags override it.",
            file: .none
        ) { configuration, text, source throws(ServiceError) in
            configuration.configFile = try nonEmpty(text, "config", source)
        },
        Setting(
            "bootstrap-server",
            aliases: ["brokers"],
            short: "b",
            placeholder: "HOST:PORT[,HOST:PORT...]",
            default: "127.0.0.1:9092",
            help: "Kafka bootstrap servers.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.brokers = try nonEmpty(text, "bootstrap-server", source)
        },
        Setting(
            "group",
            short: "G",
            placeholder: "ID",
            default: "anomaly-service",
            help: "Consumer group id.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.group = try nonEmpty(text, "group", source)
        },
        Setting(
            "input",
            placeholder: "TOPIC",
            default: "requests",
            help: "Topic of requests.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.input = try nonEmpty(text, "input", source)
        },
        Setting(
            "output",
            placeholder: "TOPIC",
            default: "predictions",
            help: "Topic of predictions.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.output = try nonEmpty(text, "output", source)
        },
        Setting(
            "dead-letter",
            placeholder: "TOPIC",
            default: "requests.dlq",
            help: "Topic of dead letters: input that cannot be answered, with the reason.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.deadLetter = try nonEmpty(text, "dead-letter", source)
        },
        Setting(
            "model",
            placeholder: "FILE",
            default: "models/default.model",
            help: "Model file; reloaded when it changes and on SIGHUP.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.model = try nonEmpty(text, "model", source)
        },
        Setting(
            "shadow-model",
            placeholder: "FILE",
            default: "none",
            help:
                "Second model scoring every request beside the main one, for comparison only; reloaded with the main model.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.shadowModel = try nonEmpty(text, "shadow-model", source)
        },
        Setting(
            "shadow-output",
            placeholder: "TOPIC",
            default: "none (in the prediction)",
            help:
                "Topic for the shadow model's verdicts, one record per prediction; without it each prediction carries a shadow field.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.shadowOutput = try nonEmpty(text, "shadow-output", source)
        },
        Setting(
            "consumers",
            placeholder: "N",
            default: "1",
            help: "Kafka consumers (polling threads) in this process.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.consumers = try positive(text, "consumers", source)
        },
        Setting(
            "workers",
            placeholder: "N",
            default: "one per CPU the process may use",
            help: "Worker threads that featurise and score.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.workers = try positive(text, "workers", source)
        },
        Setting(
            "max-batch",
            placeholder: "N",
            default: "64",
            help: "Largest micro-batch a worker scores at once.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.maxBatch = try positive(text, "max-batch", source)
        },
        Setting(
            "latency-budget-ms",
            placeholder: "MS",
            default: "off",
            help:
                "p99 of receipt to hand-off, in milliseconds, that sizes micro-batches from 1 to max-batch: they grow while a backlog builds and halve when the p99 nears the budget.",
            file: .value([.integer, .float])
        ) { configuration, text, source throws(ServiceError) in
            guard let value = Double(text), value > 0, value.isFinite else {
                throw .configuration(
                    "\(source): 'latency-budget-ms' must be a positive number of milliseconds, got '\(text)'"
                )
            }
            configuration.latencyBudgetMilliseconds = value
        },
        Setting(
            "ring-capacity",
            placeholder: "N",
            default: "8192",
            help: "Capacity of each consumer's input ring and of the result ring (rounded up to a power of two).",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.ringCapacity = try positive(text, "ring-capacity", source)
        },
        Setting(
            "pin-threads",
            placeholder: "true|false",
            default: "true",
            help: "Pin worker threads to CPUs.",
            file: .value([.boolean]),
            implicitValue: "true",
            negation: "no-pin"
        ) { configuration, text, source throws(ServiceError) in
            guard let flag = Bool(text) else {
                throw .configuration("\(source): 'pin-threads' must be true or false, got '\(text)'")
            }
            configuration.pinThreads = flag
        },
        Setting(
            "max-in-flight-per-partition",
            placeholder: "N",
            default: "100000",
            help: "Unanswered records one partition may have before it is paused.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.maxInFlightPerPartition = try positive(text, "max-in-flight-per-partition", source)
        },
        Setting(
            "max-in-flight-bytes",
            placeholder: "SIZE",
            default: "1GiB, or half the container's memory limit",
            help: "Bytes of records held in flight, rings and librdkafka's queues included (at least 4MiB).",
            file: .value([.integer, .string])
        ) { configuration, text, source throws(ServiceError) in
            guard let bytes = byteCount(text), bytes >= minimumInFlightBytes else {
                throw .configuration(
                    "\(source): 'max-in-flight-bytes' must be a size of at least 4MiB (e.g. 268435456, 256MiB, 1GiB), got '\(text)'"
                )
            }
            configuration.maxInFlightBytes = bytes
        },
        Setting(
            "revoke-timeout",
            placeholder: "SECONDS",
            default: "10",
            help: "How long a revocation waits for in-flight answers before giving the partitions up.",
            file: .value([.integer, .float])
        ) { configuration, text, source throws(ServiceError) in
            configuration.revokeTimeoutSeconds = try seconds(text, "revoke-timeout", source)
        },
        Setting(
            "guarantee",
            placeholder: "at-least-once|exactly-once",
            default: "at-least-once",
            help:
                "exactly-once: answers and input offsets are committed together in Kafka transactions (docs/OPERATIONS.md, Exactly-once).",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            guard let guarantee = DeliveryGuarantee(rawValue: text) else {
                throw .configuration("\(source): 'guarantee' must be at-least-once or exactly-once, got '\(text)'")
            }
            configuration.guarantee = guarantee
        },
        Setting(
            "transactional-id",
            placeholder: "ID",
            default: "GROUP-HOSTNAME",
            help:
                "exactly-once: this instance's transactional.id, unique per running instance and kept across its restarts.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.transactionalID = try nonEmpty(text, "transactional-id", source)
        },
        Setting(
            "transaction-interval-ms",
            placeholder: "MS",
            default: "100",
            help: "exactly-once: a transaction commits at the latest this long after its first answer.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.transactionIntervalMilliseconds = try positive(text, "transaction-interval-ms", source)
        },
        Setting(
            "transaction-max-records",
            placeholder: "N",
            default: "50000",
            help: "exactly-once: a transaction commits once it holds this many answers.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.transactionMaxRecords = try positive(text, "transaction-max-records", source)
        },
        Setting(
            "shutdown-timeout",
            placeholder: "SECONDS",
            default: "30",
            help: "How long a graceful stop may take before the process exits anyway.",
            file: .value([.integer, .float])
        ) { configuration, text, source throws(ServiceError) in
            configuration.shutdownTimeoutSeconds = try seconds(text, "shutdown-timeout", source)
        },
        Setting(
            "wait-for-broker",
            placeholder: "SECONDS",
            default: "0 (forever)",
            help: "How long to wait for a broker at start before giving up; 0 waits forever.",
            file: .value([.integer, .float])
        ) { configuration, text, source throws(ServiceError) in
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw .configuration(
                    "\(source): 'wait-for-broker' must be 0 or a positive number of seconds, got '\(text)'"
                )
            }
            configuration.waitForBrokerSeconds = value
        },
        Setting(
            "metrics-port",
            placeholder: "PORT",
            default: "none",
            help: "Port of /metrics (Prometheus), /healthz and /readyz; 0 picks a free one.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            guard let port = UInt16(text) else {
                throw .configuration("\(source): 'metrics-port' must be a port number (0-65535), got '\(text)'")
            }
            configuration.metricsPort = port
        },
        Setting(
            "metrics-host",
            placeholder: "HOST",
            default: "127.0.0.1",
            help: "Host name or address the endpoint listens on (0.0.0.0 or :: for all).",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.metricsHost = try nonEmpty(text, "metrics-host", source)
        },
        Setting(
            "model-poll-seconds",
            placeholder: "SECONDS",
            default: "2",
            help: "How often the model file is checked for a change to reload; 0: only on SIGHUP.",
            file: .value([.integer, .float])
        ) { configuration, text, source throws(ServiceError) in
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw .configuration(
                    "\(source): 'model-poll-seconds' must be 0 or a positive number of seconds, got '\(text)'"
                )
            }
            configuration.modelPollSeconds = value
        },
        Setting(
            "max-model-memory",
            placeholder: "SIZE",
            default: "1GiB (edge: 256MiB)",
            help: "Refuse a model whose file or scoring needs more bytes, at start and at reload.",
            file: .value([.integer, .string])
        ) { configuration, text, source throws(ServiceError) in
            guard let bytes = byteCount(text) else {
                throw .configuration(
                    "\(source): 'max-model-memory' must be a positive number of bytes, optionally with KiB, MiB or GiB (512MiB), got '\(text)'"
                )
            }
            configuration.maxModelMemory = bytes
        },
        Setting(
            "profile",
            placeholder: "default|edge",
            default: "default",
            help: "edge: 1-2 workers, small batches, rings and queues, for small gateways.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            guard text == "default" || text == "edge" else {
                throw .configuration("\(source): 'profile' must be default or edge, got '\(text)'")
            }
            configuration.profile = text
        },
        Setting(
            "explain",
            placeholder: "[N]",
            default: "0 (the flag alone: 5)",
            help: "Add the N largest contributing terms to each anomalous prediction (linear models).",
            file: .value([.integer]),
            implicitValue: "5"
        ) { configuration, text, source throws(ServiceError) in
            guard let value = Int(text), (0...50).contains(value) else {
                throw .configuration("\(source): 'explain' must be a number of terms from 0 to 50, got '\(text)'")
            }
            configuration.explain = value
        },
        Setting(
            "threshold",
            placeholder: "PREFIX=VALUE",
            default: "the model's",
            help:
                "Requests whose path starts with PREFIX are anomalous above VALUE (repeatable; the file's [thresholds] table; the variable takes PREFIX=VALUE,PREFIX=VALUE).",
            file: .table("thresholds"),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            try configuration.routeThresholds.set(rule: text, source: source)
        },
        Setting(
            "input-format",
            placeholder: "auto|json|clf|avro",
            default: "auto",
            help:
                "How message values are read; auto: an Avro record in the Confluent wire format (first byte 0), a JSON object or an access-log line.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            guard let format = InputFormat(rawValue: text) else {
                throw .configuration("\(source): 'input-format' must be auto, json, clf or avro, got '\(text)'")
            }
            configuration.inputFormat = format
        },
        Setting(
            "output-format",
            placeholder: "json|avro",
            default: "json",
            help:
                "How predictions are written; avro registers their schema under <output>-value and writes the Confluent wire format.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            guard let format = OutputFormat(rawValue: text) else {
                throw .configuration("\(source): 'output-format' must be json or avro, got '\(text)'")
            }
            configuration.outputFormat = format
        },
        Setting(
            "schema-registry",
            placeholder: "URL[,URL...]",
            default: "none",
            help: "Confluent Schema Registry for Avro records and predictions; URLs are tried in order.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.schemaRegistryURLs = try registryURLs(text, source)
        },
        Setting(
            "schema-registry-basic-auth",
            placeholder: "USER:PASSWORD",
            default: "none",
            help: "HTTP basic authentication for the schema registry (Confluent's basic.auth.user.info).",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            // The value is a secret: no message repeats it.
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                throw .configuration("\(source): 'schema-registry-basic-auth' must be USER:PASSWORD")
            }
            configuration.schemaRegistryBasicAuth = text
        },
        Setting(
            "schema-registry-ca",
            placeholder: "FILE",
            default: "the system's",
            help: "PEM CA bundle that signs the schema registry's certificate.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.schemaRegistryCA = try nonEmpty(text, "schema-registry-ca", source)
        },
        Setting(
            "schema-registry-certificate",
            placeholder: "FILE",
            default: "none",
            help: "PEM client certificate for mutual TLS with the schema registry.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.schemaRegistryCertificate = try nonEmpty(text, "schema-registry-certificate", source)
        },
        Setting(
            "schema-registry-key",
            placeholder: "FILE",
            default: "none",
            help: "PEM private key of the client certificate.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.schemaRegistryKey = try nonEmpty(text, "schema-registry-key", source)
        },
        Setting(
            "schema-registry-timeout-ms",
            placeholder: "MS",
            default: "5000",
            help: "How long one schema registry request may take before it is retried.",
            file: .value([.integer])
        ) { configuration, text, source throws(ServiceError) in
            configuration.schemaRegistryTimeoutMilliseconds = try positive(text, "schema-registry-timeout-ms", source)
        },
        Setting(
            "avro-schema",
            placeholder: "FILE",
            default: "none",
            help: "Writer schema (.avsc) of Avro records that come without the wire format's header.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.avroSchemaFile = try nonEmpty(text, "avro-schema", source)
        },
        Setting(
            "avro-field",
            placeholder: "FIELD=RECORD_FIELD",
            default: "by name (docs/CONTRACT.md)",
            help:
                "Read a request field (path, query, method, body, headers, ...) from this Avro record field; dots reach into nested records (repeatable; the file's [avro.fields] table).",
            file: .table("avro.fields"),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            configuration.avroFields.append(try avroField(text, source))
        },
        Setting(
            "carry-headers",
            placeholder: "NAME[,NAME...]",
            default: "none",
            help:
                "Input headers copied onto each prediction besides traceparent and tracestate, which always are (repeatable).",
            file: .value([.string]),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            configuration.carryHeaders = try headerNames(text, existing: configuration.carryHeaders, source)
        },
        Setting(
            "kafka",
            short: "X",
            placeholder: "KEY=VALUE",
            default: "tuned (docs/OPERATIONS.md)",
            help: "librdkafka property for both clients (repeatable; the file's [kafka] table).",
            file: .table("kafka"),
            environment: .properties(prefix: "ANOMALY_KAFKA_"),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            try configuration.addKafkaProperty(text, to: .both, source: source)
        },
        Setting(
            "kafka-consumer",
            placeholder: "KEY=VALUE",
            default: "tuned",
            help: "librdkafka property for the consumers only (repeatable; the file's [kafka.consumer] table).",
            file: .table("kafka.consumer"),
            environment: .properties(prefix: "ANOMALY_KAFKA_CONSUMER_"),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            try configuration.addKafkaProperty(text, to: .consumer, source: source)
        },
        Setting(
            "kafka-producer",
            placeholder: "KEY=VALUE",
            default: "tuned",
            help: "librdkafka property for the producer only (repeatable; the file's [kafka.producer] table).",
            file: .table("kafka.producer"),
            environment: .properties(prefix: "ANOMALY_KAFKA_PRODUCER_"),
            repeatable: true
        ) { configuration, text, source throws(ServiceError) in
            try configuration.addKafkaProperty(text, to: .producer, source: source)
        },
        Setting(
            "kafka-config",
            short: "F",
            placeholder: "FILE",
            default: "none",
            help:
                "librdkafka properties file (client.properties: key=value lines); every other librdkafka property overrides it.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            configuration.kafkaConfigFile = try nonEmpty(text, "kafka-config", source)
        },
        Setting(
            "log-level",
            placeholder: "LEVEL",
            default: "info",
            help: "trace, debug, info, notice, warning, error or critical.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(text) else {
                throw .configuration(
                    "\(source): 'log-level' must be one of \(levels.joined(separator: ", ")), got '\(text)'"
                )
            }
            configuration.logLevel = text
        },
        Setting(
            "log-format",
            placeholder: "text|json",
            default: "text",
            help: "json: one JSON object per line, for log shippers.",
            file: .value([.string])
        ) { configuration, text, source throws(ServiceError) in
            guard text == "text" || text == "json" else {
                throw .configuration("\(source): 'log-format' must be text or json, got '\(text)'")
            }
            configuration.logFormat = text
        },
    ]

    /// The setting called `name` (or one of its aliases).
    public static func setting(named name: some StringProtocol) -> Setting? {
        settingsByName[String(name)]
    }

    private static let settingsByName: [String: Setting] = Dictionary(
        uniqueKeysWithValues: settings.flatMap { setting in setting.names.map { ($0, setting) } }
    )

    private static func nonEmpty(_ text: String, _ name: String, _ source: String) throws(ServiceError) -> String {
        guard !text.isEmpty else { throw .configuration("\(source): '\(name)' must not be empty") }
        return text
    }

    private static func positive(_ text: String, _ name: String, _ source: String) throws(ServiceError) -> Int {
        guard let value = Int(text), value > 0 else {
            throw .configuration("\(source): '\(name)' must be a positive integer, got '\(text)'")
        }
        return value
    }

    private static func seconds(_ text: String, _ name: String, _ source: String) throws(ServiceError) -> Double {
        guard let value = Double(text), value > 0, value.isFinite else {
            throw .configuration("\(source): '\(name)' must be a positive number of seconds, got '\(text)'")
        }
        return value
    }
}
