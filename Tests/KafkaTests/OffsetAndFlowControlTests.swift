import Foundation
import Kafka
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct OffsetAndFlowControlTests {
    @Test func committedOffsetsSurviveAConsumerRestartWithNothingRereadOrSkipped() throws {
        let topic = Unique.name("restart")
        let group = Unique.name("g")
        let broker = try EmbeddedBroker(topics: [topic: 1])
        try produce(100, to: topic, on: broker)

        let first = try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        let firstRead = poll(first, seconds: 30) { $0.count >= 100 }
        #expect(firstRead.count == 100)
        // Only the first 60 are "done": store offset 60 (the next to read) and commit.
        try first.storeOffsets([TopicPartitionOffset(topic: topic, partition: 0, offset: 60)])
        try first.commit()
        let committed = try first.committed([TopicPartition(topic: topic, partition: 0)])
        #expect(committed.first?.offset == 60)
        try first.close()

        let second = try KafkaConsumer(configuration: TestConfig.consumer(broker, group: group), topics: [topic])
        let secondRead = poll(second, seconds: 30) { $0.count >= 40 }
        // Give a re-read or an extra message the chance to show up.
        var extra: [KafkaMessage] = []
        second.poll(into: &extra, maxMessages: 100, timeoutMilliseconds: 500)
        try second.close()
        #expect((secondRead + extra).map(\.offset) == Array(60..<100))
    }

    @Test func pauseStopsDeliveryAndResumeRestartsIt() throws {
        let topic = Unique.name("pause")
        let broker = try EmbeddedBroker(topics: [topic: 2])
        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("g")),
            topics: [topic]
        )
        var sink: [KafkaMessage] = []
        let assigned = eventually(seconds: 30) {
            consumer.poll(into: &sink, maxMessages: 10, timeoutMilliseconds: 50)
            return (try? consumer.assignment().count) == 2
        }
        #expect(assigned)
        let partitions = try consumer.assignment()
        try consumer.pause(partitions)
        try produce(50, to: topic, on: broker)

        let whilePaused = poll(consumer, seconds: 2) { _ in false }
        #expect(whilePaused.isEmpty)

        try consumer.resume(partitions)
        let afterResume = poll(consumer, seconds: 30) { $0.count >= 50 }
        try consumer.close()
        #expect(afterResume.count == 50)
    }
}
