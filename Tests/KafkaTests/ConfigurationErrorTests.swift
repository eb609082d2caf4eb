import Kafka
import TestSupport
import Testing

@Suite struct ConfigurationErrorTests {
    @Test func anUnknownPropertyIsRefusedByName() {
        var config = KafkaConfiguration.producer(bootstrapServers: "127.0.0.1:1")
        config["no.such.property"] = "1"
        #expect {
            _ = try KafkaProducer(configuration: config) { _ in }
        } throws: { error in
            let error = error as? KafkaError
            return error?.code == .configuration && error?.reason.contains("no.such.property") == true
        }
    }

    @Test func anInvalidValueIsRefusedByName() {
        var config = KafkaConfiguration.consumer(bootstrapServers: "127.0.0.1:1", groupID: "g")
        config["session.timeout.ms"] = "soon"
        #expect {
            _ = try KafkaConsumer(configuration: config, topics: ["t"])
        } throws: { error in
            (error as? KafkaError)?.code == .configuration && "\(error)".contains("session.timeout.ms")
        }
    }

    @Test func aMisspeltSecretPropertyIsRefusedWithoutItsValue() {
        var config = KafkaConfiguration.producer(bootstrapServers: "127.0.0.1:1")
        config["sasl.pasword"] = "hunter2"
        #expect {
            _ = try KafkaProducer(configuration: config) { _ in }
        } throws: { error in
            let reason = (error as? KafkaError)?.reason ?? ""
            return reason.contains("'sasl.pasword'") && !reason.contains("hunter2")
        }
    }

    @Test func aJAASConfigurationIsRefusedWithoutItsValue() {
        var config = KafkaConfiguration.producer(bootstrapServers: "127.0.0.1:1")
        config["sasl.jaas.config"] = #"PlainLoginModule required username="u" password="hunter2";"#
        #expect {
            _ = try KafkaProducer(configuration: config) { _ in }
        } throws: { error in
            let reason = (error as? KafkaError)?.reason ?? ""
            return reason.contains("sasl.jaas.config") && !reason.contains("hunter2")
        }
    }

    @Test func anInvalidSecretValueIsNotQuotedEvenFromLibrdkafkasExplanation() {
        // A known sensitive key whose value librdkafka refuses and quotes in its explanation.
        let reason = KafkaConfiguration.refusal(
            key: "ssl.key.password",
            value: "hunter2",
            unknown: false,
            detail: #"Invalid value "hunter2" for configuration property "ssl.key.password""#
        )
        #expect(reason.contains("ssl.key.password") && !reason.contains("hunter2"))
    }

    @Test func anInvalidOrdinaryValueIsShownToHelpFixIt() {
        var config = KafkaConfiguration.producer(bootstrapServers: "127.0.0.1:1")
        config["compression.codec"] = "lz5"
        #expect {
            _ = try KafkaProducer(configuration: config) { _ in }
        } throws: { error in
            (error as? KafkaError)?.reason.contains("compression.codec=lz5") == true
        }
    }

    @Test(arguments: ["sasl.password", "SASL.PASSWORD", "ssl.key.pem", "sasl.oauthbearer.client.secret", "x.token.y"])
    func secretLookingKeysAreSensitive(_ key: String) {
        #expect(KafkaConfiguration.isSensitive(key))
    }

    @Test func ordinaryKeysAreNotSensitive() {
        #expect(!KafkaConfiguration.isSensitive("linger.ms"))
        #expect(!KafkaConfiguration.isSensitive("bootstrap.servers"))
    }

    @Test func aConsumerWithoutAGroupIsRefused() {
        let config = KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1"])
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(configuration: config, topics: ["t"]) }
    }

    @Test func anUnreachableBrokerIsReportedAsSuch() throws {
        var config = KafkaConfiguration.producer(bootstrapServers: "127.0.0.1:1")
        config["log_level"] = "0"
        let producer = try KafkaProducer(configuration: config, events: KafkaEventHandlers(log: nil)) { _ in }
        #expect {
            try producer.checkConnectivity(timeoutMilliseconds: 1_000)
        } throws: { error in
            (error as? KafkaError)?.code == .brokerUnreachable
        }
    }

    @Test func overridesMustBeKeyEqualsValue() throws {
        var config = KafkaConfiguration()
        try config.apply(overrides: ["linger.ms=5", "client.id=a=b"])
        #expect(config["linger.ms"] == "5")
        #expect(config["client.id"] == "a=b")
        #expect(throws: KafkaError.self) { try config.apply(overrides: ["linger.ms"]) }
        #expect(throws: KafkaError.self) { try config.apply(overrides: ["=5"]) }
    }

    @Test func aMalformedOverrideIsNotEchoed() {
        var config = KafkaConfiguration()
        #expect {
            try config.apply(overrides: ["hunter2"])
        } throws: { error in
            (error as? KafkaError)?.reason.contains("hunter2") == false
        }
    }

    @Test func anEmbeddedBrokerRefusesABadBrokerCount() {
        #expect(throws: KafkaError.self) { _ = try EmbeddedBroker(brokerCount: 0) }
    }
}
