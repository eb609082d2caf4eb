import Foundation
import Kafka
import Synchronization
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct ProduceConsumeTests {
    @Test func everyProducedMessageIsConsumedIntactOverRealTCP() throws {
        let topic = Unique.name("intact")
        let broker = try EmbeddedBroker(topics: [topic: 4])
        let headers = [KafkaHeader(name: "trace", string: "abc"), KafkaHeader(name: "empty", value: nil)]
        let reports = try produce(1_000, to: topic, on: broker, headers: headers)
        #expect(reports.count == 1_000)

        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("g")),
            topics: [topic]
        )
        let messages = poll(consumer, seconds: 30) { $0.count >= 1_000 }
        try consumer.close()

        #expect(messages.count == 1_000)
        let byValue = Dictionary(grouping: messages) { String(decoding: $0.value, as: UTF8.self) }
        for index in 0..<1_000 {
            let message = try #require(byValue["value-\(index)"]?.first, "value-\(index) missing")
            #expect(byValue["value-\(index)"]?.count == 1)
            #expect(message.key == Array("key-\(index)".utf8))
            #expect(message.headers == headers)
            #expect(message.topic == topic)
            #expect(message.timestampMilliseconds != nil)
            let report = try #require(reports[UInt(index)])
            #expect(report.partition == message.partition && report.offset == message.offset)
        }
    }

    @Test func deliveryReportsArriveForEveryProducedMessageWithOffsets() throws {
        let topic = Unique.name("reports")
        let broker = try EmbeddedBroker(topics: [topic: 3])
        let reports = try produce(2_000, to: topic, on: broker)
        #expect(Set(reports.keys) == Set((0..<2_000).map(UInt.init)))
        #expect(reports.values.allSatisfy { $0.error == nil && $0.offset >= 0 && (0..<3).contains($0.partition) })
        // Offsets within each partition are distinct and dense from 0.
        for (_, inPartition) in Dictionary(grouping: reports.values, by: \.partition) {
            #expect(Set(inPartition.map(\.offset)) == Set((0..<Int64(inPartition.count))))
        }
    }

    @Test func aFixedPortForwardsBootstrapConnections() throws {
        let topic = Unique.name("forwarded")
        let broker = try EmbeddedBroker(port: 0, topics: [topic: 2])
        #expect(broker.bootstrapServers != broker.brokerAddresses)
        let reports = try produce(100, to: topic, on: broker)
        #expect(reports.values.allSatisfy { $0.error == nil })
        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("g")),
            topics: [topic]
        )
        let messages = poll(consumer, seconds: 30) { $0.count >= 100 }
        try consumer.close()
        #expect(messages.count == 100)
    }

    @Test func statisticsReportConsumerLagPerPartition() throws {
        let topic = Unique.name("stats")
        let broker = try EmbeddedBroker(topics: [topic: 2])
        try produce(200, to: topic, on: broker)
        let latest = StatisticsBox()
        var config = TestConfig.consumer(broker, group: Unique.name("g"))
        config["statistics.interval.ms"] = "100"
        config["max.poll.interval.ms"] = "10000"
        let consumer = try KafkaConsumer(
            configuration: config,
            topics: [topic],
            events: KafkaEventHandlers(statistics: { latest.set($0) })
        )
        _ = poll(consumer, seconds: 30) { $0.count >= 1 }
        let sawPartitions = eventually(seconds: 10) {
            var sink: [KafkaMessage] = []
            consumer.poll(into: &sink, maxMessages: 1, timeoutMilliseconds: 50)
            // Both partitions fetched: their high watermarks add up to what was produced.
            guard let stats = latest.value else { return false }
            let partitions = stats.partitions.filter { $0.topic == topic }
            return partitions.count == 2 && partitions.reduce(0) { $0 + $1.highWatermark } == 200
        }
        try consumer.close()
        #expect(sawPartitions)
        let statistics = try #require(latest.value)
        #expect(statistics.clientType == "consumer")
        #expect(statistics.brokersUp >= 1)
        #expect(statistics.partitions.filter { $0.topic == topic }.allSatisfy { $0.highWatermark >= 0 })
    }
}

final class StatisticsBox: Sendable {
    private let latest = Mutex<KafkaStatistics?>(nil)
    func set(_ statistics: KafkaStatistics) { latest.withLock { $0 = statistics } }
    var value: KafkaStatistics? { latest.withLock { $0 } }
}
