import Foundation
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Crashes and restarts of `anomaly-service serve`: every input still ends with an answer.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FailureRecoveryTests {
    @Test func killNineMidStreamThenRestartLeavesNoInputUnanswered() throws {
        let count = 20_000
        let (fixture, log) = try PipelineFixture.preloaded(count)
        let first = try ServiceProcess(fixture.configuration)
        let progressed = log.wait(for: 2_000, seconds: 60).count >= 2_000
        #expect(progressed, "the first instance answered too little: \(first.log.suffix(2_000))")
        first.kill9()

        let second = try ServiceProcess(fixture.configuration)
        let answered = log.wait(for: count)
        second.terminate()
        #expect(second.waitForExit(seconds: 40) == 0, "\(second.log.suffix(2_000))")

        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) inputs unanswered, e.g. \(missing.prefix(5))")
        let duplicates = answered.values.reduce(0) { $0 + $1 - 1 }
        print("kill -9 and restart: \(count) inputs, 0 lost, \(duplicates) duplicates")
    }

    @Test func sigtermUnderLoadExitsZeroWithEverythingAnsweredCommitted() throws {
        let count = 20_000
        let (fixture, log) = try PipelineFixture.preloaded(count)
        let service = try ServiceProcess(fixture.configuration)
        #expect(log.wait(for: 1_000, seconds: 60).count >= 1_000)
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")

        // Whatever the group committed was answered: every input below each committed offset has
        // an answer, so a restart resumes without losing or skipping anything.
        let inputs = try fixture.read(fixture.configuration.input, atLeast: count)
        let committed = try fixture.committedOffsets(partitions: 4)
        sleepThread(for: .seconds(2))  // let the reader catch up with everything the service produced
        let answered = log.answered
        #expect(committed.values.contains { $0 > 0 }, "nothing was committed: \(service.log.suffix(2_000))")
        for input in inputs where input.offset < (committed[input.partition] ?? -1) {
            #expect(
                answered[String(decoding: input.key ?? [], as: UTF8.self)] != nil,
                "offset \(input.offset) committed unanswered"
            )
        }
    }
}
