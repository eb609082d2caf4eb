import Kafka
import Service
import Testing

@Suite struct ConfigurationTests {
    @Test func aConfigurationFileSetsSettingsAndKafkaProperties() throws {
        let document = try TOMLDocument(
            parsing: """
                # production settings
                brokers = "kafka-1:9092,kafka-2:9092"
                workers = 6          # leave two cores to the OS
                max-batch = 128
                pin-threads = false
                shutdown-timeout = 12.5

                [kafka]
                "linger.ms" = 2
                [kafka.consumer]
                "fetch.wait.max.ms" = "1"
                [kafka.producer]
                'compression.codec' = 'zstd'
                """,
            source: "serve.toml"
        )
        var configuration = ServiceConfiguration()
        try configuration.apply(document, source: "serve.toml")
        #expect(configuration.brokers == "kafka-1:9092,kafka-2:9092")
        #expect(configuration.workers == 6)
        #expect(configuration.maxBatch == 128)
        #expect(configuration.pinThreads == false)
        #expect(configuration.shutdownTimeoutSeconds == 12.5)
        let consumer = try configuration.consumerConfiguration()
        let producer = try configuration.producerConfiguration()
        #expect(consumer["linger.ms"] == "2" && producer["linger.ms"] == "2")
        #expect(consumer["fetch.wait.max.ms"] == "1" && producer["fetch.wait.max.ms"] == nil)
        #expect(producer["compression.codec"] == "zstd")
        #expect(consumer["bootstrap.servers"] == "kafka-1:9092,kafka-2:9092")
        #expect(consumer["enable.auto.offset.store"] == "false")
    }

    @Test func overridingTheOffsetCommittersSettingsIsRefusedNamingTheProperty() throws {
        for override in ["enable.auto.commit=false", "enable.auto.offset.store=true"] {
            var configuration = ServiceConfiguration()
            configuration.kafkaConsumer = [override]
            #expect {
                _ = try configuration.consumerConfiguration()
            } throws: { error in
                "\(error)".contains("'\(override)'") && "\(error)".contains("stores and commits offsets itself")
            }
        }
        var tuned = ServiceConfiguration()
        tuned.kafka = ["auto.commit.interval.ms=250"]
        let consumer = try tuned.consumerConfiguration()
        #expect(consumer["auto.commit.interval.ms"] == "250")
        #expect(consumer["enable.auto.commit"] == "true" && consumer["enable.auto.offset.store"] == "false")
    }

    @Test func anUnknownKeyFailsNamingFileLineAndKey() throws {
        let document = try TOMLDocument(parsing: "brokers = \"a:1\"\nwokers = 3\n", source: "serve.toml")
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.apply(document, source: "serve.toml")
        } throws: { error in
            "\(error)".contains("serve.toml:2") && "\(error)".contains("wokers")
        }
    }

    @Test(arguments: [
        "brokers = kafka:9092",  // unquoted string
        "brokers = \"unterminated",
        "[kafka",
        "workers = 1\nworkers = 2",  // duplicate key
        "[kafka]\n[kafka]",  // duplicate table
        "model = \"\"\"\nnever closed",
    ])
    func malformedTOMLIsRefusedWithALineNumber(_ text: String) {
        #expect {
            _ = try TOMLDocument(parsing: text, source: "bad.toml")
        } throws: { error in
            (error as? ServiceError)?.code == .configuration && "\(error)".contains("bad.toml:")
        }
    }

    @Test(arguments: [
        ("workers = {a = 1}", "bad.toml:1: 'workers' must be an integer, not a table"),
        ("[[servers]]\nname = 'a'", "bad.toml:1: unknown setting 'servers'"),
        ("workers = \"2\"", "bad.toml:1: 'workers' must be an integer, not a string (\"2\")"),
        ("pin-threads = \"false\"", "'pin-threads' must be a boolean, not a string"),
        ("bootstrap-server = 9092", "'bootstrap-server' must be a string, not an integer"),
        ("workers = 2.5", "'workers' must be an integer, not a float"),
        ("\n\n[thresholds]\n\"/a\" = \"high\"", "bad.toml:4: the threshold for '/a' must be a number"),
        ("[kafka]\n\"linger.ms\" = 1979-05-27", "bad.toml:2: librdkafka property 'linger.ms' must be a string"),
        ("[metrics]\nport = 1", "bad.toml:2: unknown setting 'metrics.port'"),
    ])
    func aValueOfTheWrongTypeOrPlaceIsRefusedNamingLineKeyAndProblem(_ text: String, _ expected: String) throws {
        let document = try TOMLDocument(parsing: text, source: "bad.toml")
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.apply(document, source: "bad.toml")
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func fullTOMLIsRead() throws {
        let document = try TOMLDocument(
            parsing: """
                workers = 0x10              # hexadecimal
                max-batch = 1_024
                model = '''
                /srv/models/a.model'''
                metrics-host = "::1"
                revoke-timeout = 2.5e1
                thresholds = { "/admin" = -0.5 }
                [kafka]
                linger.ms = 2                # bare dotted key: the property linger.ms
                consumer."fetch.wait.max.ms" = 5   # a dotted key instead of a [kafka.consumer] table
                "bootstrap.servers" = ["a:1", "b:2"]
                """,
            source: "full.toml"
        )
        var configuration = ServiceConfiguration()
        try configuration.apply(document, source: "full.toml")
        #expect(configuration.workers == 16 && configuration.maxBatch == 1_024)
        #expect(configuration.model == "/srv/models/a.model")
        #expect(configuration.revokeTimeoutSeconds == 25)
        #expect(configuration.metricsHost == "::1")
        #expect(configuration.routeThresholds.rules.map(\.prefix) == ["/admin"])
        #expect(try configuration.consumerConfiguration()["fetch.wait.max.ms"] == "5")
        #expect(try configuration.producerConfiguration()["linger.ms"] == "2")
        #expect(try configuration.producerConfiguration()["bootstrap.servers"] == "a:1,b:2")
    }

    @Test func badValuesNameTheSettingAndTheSource() {
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.set("workers", "-2", source: "flag --workers")
        } throws: { error in
            "\(error)".contains("flag --workers") && "\(error)".contains("positive integer")
        }
        #expect(throws: ServiceError.self) { try configuration.set("pin-threads", "maybe", source: "x") }
        #expect(throws: ServiceError.self) { try configuration.set("revoke-timeout", "0", source: "x") }
    }

    @Test func environmentVariablesOverrideTheFile() throws {
        var configuration = ServiceConfiguration()
        try configuration.apply(TOMLDocument(parsing: "group = \"from-file\"\nconsumers = 2"), source: "f")
        try configuration.apply(environment: [
            "ANOMALY_GROUP": "from-env", "ANOMALY_DEAD_LETTER": "dlq", "ANOMALY_KAFKA_ACKS": "all",
            "UNRELATED": "x",
        ])
        #expect(configuration.group == "from-env")
        #expect(configuration.consumers == 2)
        #expect(configuration.deadLetter == "dlq")
        #expect(try configuration.producerConfiguration()["acks"] == "all")
    }

    @Test func sameTopicForInputAndOutputIsRefused() {
        var configuration = ServiceConfiguration()
        configuration.output = configuration.input
        #expect(throws: ServiceError.self) { try configuration.validate() }
    }

    @Test func aMalformedKafkaOverrideIsAConfigurationError() {
        var configuration = ServiceConfiguration()
        configuration.kafka = ["linger.ms"]
        #expect(throws: ServiceError.self) { _ = try configuration.producerConfiguration() }
    }
}

@Suite struct ProfileTests {
    @Test func theEdgeProfileShrinksWhatWasNotSetAndLeavesWhatWas() throws {
        var configuration = ServiceConfiguration()
        try configuration.set("profile", "edge", source: "test")
        try configuration.set("ring-capacity", "2048", source: "test")
        configuration.kafkaConsumer = ["queued.max.messages.kbytes=8192"]
        let edge = configuration.applyingProfile(allowedCPUs: 8)
        #expect(edge.workers == 2 && edge.maxBatch == 16 && edge.maxInFlightPerPartition == 2_000)
        #expect(edge.ringCapacity == 2048, "an explicit setting wins")
        #expect(try edge.consumerConfiguration()["queued.max.messages.kbytes"] == "8192", "an explicit property wins")
        #expect(try edge.producerConfiguration()["queue.buffering.max.kbytes"] == "4096")
        #expect(configuration.applyingProfile(allowedCPUs: 1).workers == 1)
        #expect(ServiceConfiguration().applyingProfile(allowedCPUs: 8) == ServiceConfiguration())
        #expect(throws: ServiceError.self) { try configuration.set("profile", "tiny", source: "test") }
    }
}
