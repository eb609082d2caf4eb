import Kafka
import TestSupport
import Testing

/// The transactional producer calls over real TCP against the embedded broker. librdkafka's mock
/// cluster answers the transaction requests but neither isolates aborted records, nor stores
/// transactional offsets, nor fences a producer id when another producer registers the same
/// transactional id: those are proven against tansu (tests/eos).
@Suite(.timeLimit(.minutes(2)))
struct TransactionTests {
    private func transactionalProducer(_ broker: EmbeddedBroker, id: String, log: DeliveryLog) throws -> KafkaProducer {
        var configuration = TestConfig.producer(broker)
        configuration["transactional.id"] = id
        return try KafkaProducer(configuration: configuration) { log.record($0) }
    }

    @Test func aCommittedTransactionDeliversItsMessagesAndAcceptsConsumerOffsets() throws {
        let input = Unique.name("txn-in")
        let output = Unique.name("txn-out")
        let broker = try EmbeddedBroker(topics: [input: 2, output: 2])
        try produce(10, to: input, on: broker)
        let consumer = try KafkaConsumer(
            configuration: TestConfig.consumer(broker, group: Unique.name("g")),
            topics: [input]
        )
        let consumed = poll(consumer, seconds: 30) { $0.count >= 10 }
        #expect(consumed.count == 10)

        let log = DeliveryLog()
        let producer = try transactionalProducer(broker, id: Unique.name("tid"), log: log)
        try producer.initTransactions(timeoutMilliseconds: 10_000)
        try producer.beginTransaction()
        for (index, message) in consumed.enumerated() {
            try producer.send(topic: output, key: message.key, value: message.value, token: UInt(index))
        }
        let positions = Dictionary(grouping: consumed, by: \.topicPartition).map { partition, messages in
            TopicPartitionOffset(
                topic: partition.topic,
                partition: partition.partition,
                offset: messages.map(\.offset).max()! + 1
            )
        }
        try producer.sendOffsetsToTransaction(
            positions,
            group: consumer.groupMetadata(),
            timeoutMilliseconds: 10_000
        )
        try producer.commitTransaction(timeoutMilliseconds: 10_000)
        try consumer.close()
        try producer.flush(timeoutMilliseconds: 10_000)

        #expect(log.all.count == 10)
        #expect(log.all.values.allSatisfy { $0.error == nil && $0.offset >= 0 })
    }

    @Test func anAbortedTransactionCanBeFollowedByAnotherThatCommits() throws {
        let output = Unique.name("txn-abort")
        let broker = try EmbeddedBroker(topics: [output: 1])
        let log = DeliveryLog()
        let producer = try transactionalProducer(broker, id: Unique.name("tid"), log: log)
        try producer.initTransactions(timeoutMilliseconds: 10_000)
        try producer.beginTransaction()
        try producer.send(topic: output, key: nil, value: Array("aborted".utf8), token: 1)
        try producer.abortTransaction(timeoutMilliseconds: 10_000)
        try producer.beginTransaction()
        try producer.send(topic: output, key: nil, value: Array("committed".utf8), token: 2)
        try producer.commitTransaction(timeoutMilliseconds: 10_000)
        try producer.flush(timeoutMilliseconds: 10_000)
        let committed = try #require(log.all[2])
        #expect(committed.error == nil)
    }

    @Test func transactionalCallsWithoutATransactionalIDFailNamingTheProblem() throws {
        let broker = try EmbeddedBroker(topics: [Unique.name("plain"): 1])
        let producer = try KafkaProducer(configuration: TestConfig.producer(broker)) { _ in }
        let error = #expect(throws: KafkaError.self) {
            try producer.initTransactions(timeoutMilliseconds: 5_000)
        }
        #expect(error?.reason.contains("init transactions") == true)
    }
}
