import Kafka
import Testing

@Suite struct TopicSizingTests {
    private func load(
        rate: Double? = nil,
        bytes: Int = 1_000,
        hours: Double? = nil,
        consumers: Int = 8
    ) -> TopicSizing.Load {
        TopicSizing.Load(recordsPerSecond: rate, recordBytes: bytes, retentionHours: hours, maxConsumers: consumers)
    }

    @Test func withoutARateThePartitionsFollowTheConsumersAndNoSizeCapIsSet() {
        let sizing = TopicSizing(load(consumers: 6))
        #expect(sizing.partitions == 6)
        #expect(sizing.partitionsForThroughput == nil)
        #expect(sizing.retentionBytesPerPartition == nil && sizing.retentionHours == nil)
        #expect(sizing.configs.isEmpty)
    }

    @Test func aRetentionAloneSetsOnlyRetentionMilliseconds() {
        let sizing = TopicSizing(load(hours: 24))
        #expect(sizing.configs == [NewTopic.Config(key: "retention.ms", value: "86400000")])
    }

    @Test func eachPartitionCarriesAtMostTwoMebibytesPerSecond() {
        // 50,000 requests/s × 1,000 B = 50 MB/s: ceil(50,000,000 / 2,097,152) = 24 partitions.
        let sizing = TopicSizing(load(rate: 50_000, consumers: 1))
        #expect(sizing.bytesPerSecond == 50_000_000)
        #expect(sizing.partitionsForThroughput == 24)
        #expect(sizing.partitions == 24)
        let perPartition = sizing.bytesPerSecond! / Double(sizing.partitions)
        #expect(perPartition <= TopicSizing.partitionBudgetBytesPerSecond)
    }

    @Test func thePartitionCountIsRoundedUpToAMultipleOfTheConsumers() {
        // 24 for throughput, 10 consumers: 30, so ten consumers get three partitions each.
        #expect(TopicSizing(load(rate: 50_000, consumers: 10)).partitions == 30)
        // Throughput needs 3; the consumers need 8.
        #expect(TopicSizing(load(rate: 5_000, consumers: 8)).partitions == 8)
    }

    @Test func retentionBytesIsTwiceWhatAPartitionReceivesInTheRetentionTime() {
        let sizing = TopicSizing(load(rate: 5_000, hours: 72))
        // 2 × 5,000,000 B/s × 259,200 s ÷ 8 partitions.
        #expect(sizing.retentionBytesPerPartition == 324_000_000_000)
        #expect(
            sizing.configs == [
                NewTopic.Config(key: "retention.ms", value: "259200000"),
                NewTopic.Config(key: "retention.bytes", value: "324000000000"),
            ]
        )
    }

    @Test func aRateWithoutARetentionAssumesKafkasSevenDaysForBothLimits() {
        let sizing = TopicSizing(load(rate: 1_000))
        #expect(sizing.retentionHours == 168)
        #expect(sizing.retentionMilliseconds == 604_800_000)
        #expect(sizing.retentionBytesPerPartition == Int64(2 * 1_000_000 * 168 * 3_600 / 8))
    }

    @Test func anExplicitPartitionCountWinsAndTheCapIsSpreadOverIt() {
        let sizing = TopicSizing(load(rate: 5_000, hours: 1), partitions: 3)
        #expect(sizing.suggestedPartitions == 8 && sizing.partitions == 3)
        let expected: Int64 = 2 * 5_000_000 * 3_600 / 3
        #expect(sizing.retentionBytesPerPartition == expected)
    }

    @Test(arguments: ["requests", "requests.dlq", "a_b-C.9", String(repeating: "x", count: 249)])
    func legalTopicNamesAreAccepted(_ name: String) {
        #expect(NewTopic.isLegalName(name))
    }

    @Test(arguments: ["", ".", "..", "with space", "comma,name", "ünïcode", String(repeating: "x", count: 250)])
    func illegalTopicNamesAreRefused(_ name: String) {
        #expect(!NewTopic.isLegalName(name))
    }
}
