import Kafka
import Service
import Testing

@Suite struct ExactlyOnceSettingsTests {
    private func resolve(_ arguments: [String]) throws -> ServiceConfiguration {
        try ServiceConfiguration.resolve(arguments: arguments, environment: [:]).configuration
    }

    @Test func atLeastOnceIsTheDefaultAndUsesNoTransactions() throws {
        let configuration = try resolve([])
        #expect(configuration.guarantee == .atLeastOnce)
        #expect(configuration.transactionSettings == nil)
        #expect(try configuration.producerConfiguration()["transactional.id"] == nil)
        #expect(try configuration.producerConfiguration()["message.timeout.ms"] == "0")
        #expect(try configuration.consumerConfiguration()["enable.auto.commit"] == "true")
    }

    @Test func exactlyOnceMakesTheProducerTransactionalAndTheConsumerCommitNothingItself() throws {
        let configuration = try resolve([
            "--guarantee", "exactly-once", "--transactional-id", "scorer-7",
            "--transaction-interval-ms", "250", "--transaction-max-records", "5000",
        ])
        #expect(
            configuration.transactionSettings
                == TransactionSettings(transactionalID: "scorer-7", intervalMilliseconds: 250, maxRecords: 5_000)
        )
        let producer = try configuration.producerConfiguration()
        #expect(producer["transactional.id"] == "scorer-7")
        // librdkafka bounds it by transaction.timeout.ms itself; 0 (never) would be refused.
        #expect(producer["message.timeout.ms"] == nil)
        let consumer = try configuration.consumerConfiguration()
        #expect(consumer["enable.auto.commit"] == "false")
        #expect(consumer["isolation.level"] == "read_committed")
    }

    @Test func theDefaultTransactionalIDNamesTheGroupAndTheHost() throws {
        let configuration = try resolve(["--guarantee", "exactly-once", "--group", "scorers"])
        let id = try #require(configuration.transactionSettings?.transactionalID)
        #expect(id.hasPrefix("scorers-") && id.count > "scorers-".count)
    }

    @Test(arguments: [
        (["--guarantee", "exactly-twice"], "'guarantee' must be at-least-once or exactly-once"),
        (["--transaction-interval-ms", "0"], "'transaction-interval-ms' must be a positive integer"),
        (["--transaction-max-records", "many"], "'transaction-max-records' must be a positive integer"),
        (["--transactional-id", ""], "'transactional-id' must not be empty"),
    ])
    func badTransactionSettingsFailNamingTheSetting(arguments: [String], message: String) {
        #expect {
            _ = try resolve(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func aTransactionalIDGivenAsALibrdkafkaPropertyIsRefused() {
        #expect {
            _ = try resolve(["--kafka-producer", "transactional.id=mine"])
        } throws: { error in
            "\(error)".contains("--guarantee exactly-once and --transactional-id")
        }
    }
}
