import ArgumentParser
import Kafka

struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "broker", abstract: "Run the embedded Kafka broker.")
    func run() throws { print(librdkafkaVersion) }
}
