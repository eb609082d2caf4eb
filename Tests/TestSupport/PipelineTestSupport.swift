import Foundation
import Kafka
import Logging
import Service

/// A broker with fresh input, output and dead-letter topics, and a configuration pointing at them.
public struct PipelineFixture: Sendable {
    public let broker: EmbeddedBroker
    public var configuration: ServiceConfiguration

    public init(partitions: Int32 = 4, consumers: Int = 1, workers: Int = 2) throws {
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

    /// A fixture over an existing broker (for example one started after the service).
    public init(broker: EmbeddedBroker, configuration: ServiceConfiguration) {
        self.broker = broker
        self.configuration = configuration
    }

    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Produces raw values (nil: a null value, a tombstone) with keys `k-<i>` (or `keys`) and
    /// `headers` to the input topic and waits for their acknowledgement; `messageMaxBytes` raises
    /// the producer's message size limit (1 MB).
    public func send(
        _ values: [[UInt8]?],
        keyOffset: Int = 0,
        keys: [[UInt8]]? = nil,
        headers: [[KafkaHeader]]? = nil,
        messageMaxBytes: Int? = nil
    ) throws {
        let log = DeliveryLog()
        var producerConfiguration = TestConfig.producer(broker)
        if let messageMaxBytes { producerConfiguration["message.max.bytes"] = String(messageMaxBytes) }
        let producer = try KafkaProducer(configuration: producerConfiguration) { log.record($0) }
        for (index, value) in values.enumerated() {
            try producer.send(
                topic: configuration.input,
                key: keys?[index] ?? Array("k-\(index + keyOffset)".utf8),
                value: value,
                headers: headers?[index] ?? [],
                token: UInt(index)
            )
        }
        try producer.flush(timeoutMilliseconds: 20_000)
    }

    /// Reads `topic` from the beginning until `count` records arrived or `seconds` passed.
    public func read(_ topic: String, atLeast count: Int, seconds: Double = 60) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("reader")),
            topics: [topic]
        )
        defer { try? consumer.close() }
        return poll(consumer, seconds: seconds) { $0.count >= count }
    }

    /// The group's committed offsets for every input partition, asked without joining the group.
    public func committedOffsets(partitions: Int32) throws -> [Int32: Int64] {
        let committed = try KafkaConsumer.committedOffsets(
            configuration: TestConfig.consumer(broker, group: configuration.group),
            partitions: (0..<partitions).map { TopicPartition(topic: configuration.input, partition: $0) }
        )
        return Dictionary(uniqueKeysWithValues: committed.map { ($0.topicPartition.partition, $0.offset) })
    }

    /// High watermarks (record counts, as nothing is deleted) of every input partition.
    public func inputCounts(_ messages: [KafkaMessage]) -> [Int32: Int64] {
        Dictionary(grouping: messages, by: \.partition).mapValues { Int64($0.count) }
    }

    /// A 4-partition broker with `count` requests waiting, the test model, and a reader of answers.
    public static func preloaded(_ count: Int) throws -> (PipelineFixture, AnswerLog) {
        var fixture = try PipelineFixture(partitions: 4)
        fixture.configuration.model = try TestModel.write()
        try fixture.send(requests(count))
        return (fixture, try AnswerLog(fixture))
    }

    /// Inputs `k-0 ..< count` with a few malformed ones, all answerable.
    public static func requests(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in
            index % 97 == 0
                ? Array("garbage \(index)".utf8)
                : Array(#"{"id":"r-\#(index)","path":"/search","query":"q=item+\#(index)"}"#.utf8)
        }
    }
}
