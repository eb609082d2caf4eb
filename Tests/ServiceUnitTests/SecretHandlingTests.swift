import Kafka
import Service
import Testing

/// Configuration values that may be secrets never appear in errors (docs/OPERATIONS.md, "Secrets").
@Suite struct SecretHandlingTests {
    /// The reason of the configuration error `body` throws.
    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "(accepted)"
        } catch let error as ServiceError {
            return error.reason
        } catch let error as KafkaError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    @Test func aMisspeltSecretFlagIsRefusedByKeyAlone() {
        var configuration = ServiceConfiguration()
        configuration.kafka = ["sasl.pasword=hunter2"]
        let reason = refusal { _ = try KafkaProducer(configuration: configuration.producerConfiguration()) { _ in } }
        #expect(reason.contains("sasl.pasword") && !reason.contains("hunter2"), "\(reason)")
    }

    @Test func aSecretThatIsNotAValidTOMLValueIsNotQuoted() {
        let reason = refusal {
            _ = try TOMLDocument(parsing: "[kafka]\n\"sasl.password\" = hunter2\n", source: "f.toml")
        }
        #expect(reason.contains("f.toml:2") && !reason.contains("hunter2"), "\(reason)")
        let escape = refusal {
            _ = try TOMLDocument(parsing: "[kafka.producer]\n\"ssl.key.password\" = \"hunter\\q2\"\n")
        }
        #expect(!escape.contains("\\q") && !escape.contains("hunter"), "\(escape)")
    }

    @Test func anOrdinaryBadTOMLValueIsStillQuoted() {
        let reason = refusal { _ = try TOMLDocument(parsing: "workers = six\n") }
        #expect(reason.contains("'workers = six'"), "the line is shown: \(reason)")
    }

    @Test func aJAASConfigurationFromTheFileIsRefusedWithoutItsValue() throws {
        var configuration = ServiceConfiguration()
        let document = try TOMLDocument(
            parsing: #"kafka."sasl.jaas.config" = 'PlainLoginModule required password="hunter2";'"#
        )
        let reason = refusal { try configuration.apply(document, source: "f") }
        #expect(
            reason.hasPrefix("f:1: ") && reason.contains("sasl.jaas.config") && !reason.contains("hunter2"),
            "\(reason)"
        )
    }

    @Test func eachKafkaVariableSetsOnePropertyWithItsValueWhole() throws {
        var configuration = ServiceConfiguration()
        try configuration.apply(environment: [
            "ANOMALY_KAFKA_BOOTSTRAP_SERVERS": "a:9092,b:9092",
            "ANOMALY_KAFKA_SASL_PASSWORD": "p,a=ss",
            "ANOMALY_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS": "5",
            "ANOMALY_KAFKA_PRODUCER_LINGER_MS": "7",
            "ANOMALY_KAFKA_PRODUCER_TOPIC_METADATA_REFRESH_FAST_INTERVAL_MS": "50",
        ])
        #expect(configuration.kafka == ["bootstrap.servers=a:9092,b:9092", "sasl.password=p,a=ss"])
        #expect(configuration.kafkaConsumer == ["fetch.wait.max.ms=5"])
        #expect(
            configuration.kafkaProducer == ["linger.ms=7", "topic.metadata.refresh.fast.interval.ms=50"]
        )
    }

    @Test func doubleAndTripleUnderscoresStandForUnderscoreAndDash() throws {
        var configuration = ServiceConfiguration()
        #expect(try ServiceConfiguration.property("A__B___C_D", variable: "ANOMALY_KAFKA_A__B___C_D") == "a_b-c.d")
        try configuration.apply(environment: ["ANOMALY_KAFKA_LOG__LEVEL": "3"])
        #expect(configuration.kafka == ["log_level=3"])
        #expect(throws: ServiceError.self) { try configuration.apply(environment: ["ANOMALY_KAFKA_A____B": "1"]) }
        #expect(throws: ServiceError.self) { try configuration.apply(environment: ["ANOMALY_KAFKA_": "1"]) }
    }

    @Test func theOldCommaSeparatedVariableIsRefusedWithoutEchoingIt() {
        var configuration = ServiceConfiguration()
        let reason = refusal {
            try configuration.apply(environment: ["ANOMALY_KAFKA": "sasl.password=hun,ter2,linger.ms=1"])
        }
        #expect(reason.contains("ANOMALY_KAFKA_SASL_PASSWORD") && !reason.contains("hun"), "\(reason)")
    }
}
