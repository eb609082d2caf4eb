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

    @Test func anEmbeddedBrokerRefusesABadBrokerCount() {
        #expect(throws: KafkaError.self) { _ = try EmbeddedBroker(brokerCount: 0) }
    }
}
