import Foundation
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Reliability scenario 10 (docs/RELIABILITY.md): memory is bounded in bytes. With the output's
/// broker down, `serve` takes large records until `--max-in-flight-bytes` is spent, then pauses;
/// its resident size stays under that bound plus a fixed overhead, and every input is answered
/// once the output returns.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct MemoryBoundTests {
    static let bound = 64 << 20
    /// What `serve` needs besides its records: code, the model, thread stacks, allocator slack.
    static let fixedOverhead = 64 << 20

    /// Half the inputs are requests with a large body (small predictions), half are binary (dead
    /// letters that carry the whole input).
    static func inputs(count: Int, bytes: Int) -> [[UInt8]] {
        (0..<count).map { index in
            index % 2 == 0
                ? Array(#"{"path":"/upload","body":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: bytes - 32)
                    + Array(#""}"#.utf8)
                : [UInt8](repeating: 0xFF, count: bytes)
        }
    }

    func runStalledOutput(count: Int, recordBytes: Int) throws {
        // Inputs on one broker, answers on another whose outage stalls only the output.
        var fixture = try PipelineFixture(partitions: 64)
        fixture.configuration.model = TestModel.defaultModel
        let outputs = try EmbeddedBroker(topics: [
            fixture.configuration.output: 64, fixture.configuration.deadLetter: 64,
        ])
        let answers = try AnswerLog(PipelineFixture(broker: outputs, configuration: fixture.configuration))
        let service = try ServiceProcess(
            fixture.configuration,
            extra: [
                "--max-in-flight-bytes", "64MiB", "--kafka-producer", "bootstrap.servers=\(outputs.bootstrapServers)",
                "--kafka-producer", "message.max.bytes=2000000",
            ]
        )
        #expect(eventually(seconds: 30) { service.log.contains("assigned 64 partitions") })
        try outputs.setBrokerDown(1)
        try fixture.send(Self.inputs(count: count, bytes: recordBytes), messageMaxBytes: 8 << 20)
        // Stalled: the service takes what the bound allows and then holds still.
        sleepThread(for: .seconds(20))
        let stalled = try #require(service.residentBytes)
        try outputs.setBrokerUp(1)
        let answered = answers.wait(for: count, seconds: 120)
        sleepThread(for: .seconds(2))
        let after = try #require(service.residentBytes)
        service.terminate()
        #expect(service.waitForExit(seconds: 30) == 0)

        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) unanswered, e.g. \(missing.prefix(5))")
        #expect(
            stalled.peak <= Self.bound + Self.fixedOverhead,
            "peak RSS \(stalled.peak >> 20) MiB over the bound \(Self.bound >> 20) MiB + \(Self.fixedOverhead >> 20) MiB"
        )
        print(
            "stalled output, \(count) records of \(recordBytes / 1_024) KiB (\((count * recordBytes) >> 20) MiB): peak RSS \(stalled.peak >> 20) MiB while stalled (bound 64 MiB + 64 MiB), \(after.current >> 20) MiB after the backlog, \(count - missing.count)/\(count) answered"
        )
    }

    @Test func sixtyFourKilobyteRecordsWithTheOutputStalledStayUnderTheByteBound() throws {
        try runStalledOutput(count: 3_000, recordBytes: 64 << 10)
    }

    @Test func nineHundredKilobyteRecordsWithTheOutputStalledStayUnderTheByteBound() throws {
        try runStalledOutput(count: 200, recordBytes: 900 << 10)
    }
}
