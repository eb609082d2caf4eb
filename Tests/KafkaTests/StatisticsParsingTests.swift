import Kafka
import Testing

/// librdkafka's statistics document, read leniently: the figures the service watches, and a
/// field of an unexpected type costs that figure only.
@Suite struct StatisticsParsingTests {
    static func parse(_ json: String) -> KafkaStatistics? { KafkaStatistics(json: Array(json.utf8)) }

    @Test func theWatchedFiguresAreRead() throws {
        let statistics = try #require(
            Self.parse(
                #"""
                {"name":"rdkafka#consumer-1","type":"consumer","ts":1,"msg_cnt":3,"msg_size":300,"replyq":2,
                 "brokers":{"127.0.0.1:9092/bootstrap":{"nodeid":-1,"state":"UP"},
                            "127.0.0.1:9092/1":{"nodeid":1,"state":"UP","rtt":{"avg":1.5}},
                            "127.0.0.1:9093/2":{"nodeid":2,"state":"DOWN"}},
                 "topics":{"requests":{"topic":"requests","partitions":{
                    "1":{"partition":1,"consumer_lag":5,"fetchq_cnt":7,"fetchq_size":700,
                         "committed_offset":10,"stored_offset":12,"hi_offset":15},
                    "0":{"partition":0,"consumer_lag":-1,"fetchq_cnt":0,"fetchq_size":0,
                         "committed_offset":-1001,"stored_offset":-1001,"hi_offset":0},
                    "-1":{"partition":-1,"consumer_lag":-1}}}}}
                """#
            )
        )
        #expect(statistics.clientName == "rdkafka#consumer-1" && statistics.clientType == "consumer")
        #expect(statistics.producerQueueMessages == 3 && statistics.producerQueueBytes == 300)
        #expect(statistics.replyQueue == 2)
        #expect(statistics.brokersKnown == 2 && statistics.brokersUp == 1)
        #expect(statistics.partitions.map(\.partition) == [0, 1])
        let first = statistics.partitions[1]
        #expect(first.topic == "requests" && first.consumerLag == 5 && first.fetchQueueMessages == 7)
        #expect(first.fetchQueueBytes == 700 && first.committedOffset == 10 && first.storedOffset == 12)
        #expect(first.highWatermark == 15)
        #expect(statistics.totalConsumerLag == 5)
    }

    @Test func aFieldOfAnotherTypeCostsThatFigureOnly() throws {
        let statistics = try #require(
            Self.parse(
                #"""
                {"name":7,"msg_cnt":"many","brokers":{"a":"not an object","b":{"nodeid":3,"state":"UP"}},
                 "topics":{"t":{"partitions":{"0":{"partition":0,"consumer_lag":1.5,"hi_offset":9}}},
                           "u":[1,2]}}
                """#
            )
        )
        #expect(statistics.clientName == "" && statistics.producerQueueMessages == -1)
        #expect(statistics.brokersKnown == 1 && statistics.brokersUp == 1)
        #expect(statistics.partitions.count == 1)
        #expect(statistics.partitions.first?.consumerLag == -1 && statistics.partitions.first?.highWatermark == 9)
    }

    @Test func somethingElseIsNotStatistics() {
        #expect(Self.parse("[1,2,3]") == nil)
        #expect(Self.parse("not json") == nil)
        #expect(Self.parse("") == nil)
    }
}
