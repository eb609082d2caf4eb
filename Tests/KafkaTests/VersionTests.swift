import Kafka
import Testing

@Suite struct VersionTests {
    @Test func linkedLibrdkafkaIsVersionTwo() {
        #expect(librdkafkaVersion.hasPrefix("2."))
    }
}
