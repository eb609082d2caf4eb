import TestSupport
import Testing

/// `anomaly-service broker --count N`, and `--brokers N`, its old name, still accepted.
@Suite(.timeLimit(.minutes(1)))
struct BrokerCountTests {
    private func brokerAddresses(_ arguments: [String]) throws -> [Substring] {
        let broker = try ServiceProcess(arguments: ["broker", "--port", "0", "--partitions", "1"] + arguments)
        defer { broker.terminate() }
        #expect(eventually(seconds: 20) { broker.log.contains("brokers: ") }, "\(broker.log.suffix(2_000))")
        let line = broker.log.split(separator: "\n").first { $0.hasPrefix("brokers: ") } ?? ""
        return line.dropFirst("brokers: ".count).split(separator: ",")
    }

    @Test func countStartsThatManyBrokers() throws {
        #expect(try brokerAddresses(["--count", "3"]).count == 3)
    }

    @Test func theOldBrokersFlagStillCounts() throws {
        #expect(try brokerAddresses(["--brokers", "2"]).count == 2)
    }

    @Test func bothNamesAtOnceAreRefused() throws {
        let broker = try ServiceProcess(arguments: ["broker", "--port", "0", "--count", "2", "--brokers", "2"])
        #expect(broker.waitForExit(seconds: 20) != 0)
        #expect(broker.log.contains("--brokers is the old name of --count"), "\(broker.log)")
    }
}
