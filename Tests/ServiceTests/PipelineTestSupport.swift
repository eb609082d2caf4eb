import Foundation
import Kafka
import KafkaTestSupport
import Logging
import Service

/// A broker with fresh input, output and dead-letter topics, and a configuration pointing at them.
struct PipelineFixture {
    let broker: EmbeddedBroker
    var configuration: ServiceConfiguration

    init(partitions: Int32 = 4, consumers: Int = 1, workers: Int = 2) throws {
        let input = Unique.name("requests")
        let output = Unique.name("predictions")
        let deadLetter = Unique.name("dlq")
        broker = try EmbeddedBroker(topics: [input: partitions, output: partitions, deadLetter: partitions])
        var configuration = ServiceConfiguration()
        configuration.brokers = broker.bootstrapServers
        configuration.group = Unique.name("service")
        configuration.input = input
        configuration.output = output
        configuration.deadLetter = deadLetter
        configuration.consumers = consumers
        configuration.workers = workers
        configuration.pinThreads = false
        configuration.revokeTimeoutSeconds = 5
        configuration.kafkaConsumer = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
        self.configuration = configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Produces raw values with keys `k-<i>` to the input topic and waits for their acknowledgement.
    func send(_ values: [[UInt8]], keyOffset: Int = 0) throws {
        let log = DeliveryLog()
        let producer = try KafkaProducer(configuration: TestConfig.producer(broker)) { log.record($0) }
        for (index, value) in values.enumerated() {
            try producer.send(
                topic: configuration.input,
                key: Array("k-\(index + keyOffset)".utf8),
                value: value,
                token: UInt(index)
            )
        }
        try producer.flush(timeoutMilliseconds: 20_000)
    }

    /// Reads `topic` from the beginning until `count` records arrived or `seconds` passed.
    func read(_ topic: String, atLeast count: Int, seconds: Double = 60) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("reader")),
            topics: [topic]
        )
        defer { try? consumer.close() }
        return poll(consumer, seconds: seconds) { $0.count >= count }
    }

    /// The group's committed offsets for every input partition.
    func committedOffsets(partitions: Int32) throws -> [Int32: Int64] {
        var config = TestConfig.consumer(broker, group: configuration.group)
        config["enable.auto.commit"] = "false"
        let consumer = try KafkaConsumer(configuration: config, topics: [configuration.input])
        defer { try? consumer.close() }
        let committed = try consumer.committed(
            (0..<partitions).map { TopicPartition(topic: configuration.input, partition: $0) }
        )
        return Dictionary(uniqueKeysWithValues: committed.map { ($0.topicPartition.partition, $0.offset) })
    }

    /// High watermarks (record counts, as nothing is deleted) of every input partition.
    func inputCounts(_ messages: [KafkaMessage]) -> [Int32: Int64] {
        Dictionary(grouping: messages, by: \.partition).mapValues { Int64($0.count) }
    }
}
