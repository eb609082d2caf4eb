import Foundation
import Kafka
import Platform
import Service
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(3)))
struct EchoPipelineTests {
    @Test func everyInputIsAnsweredOnceAndItsOffsetCommittedAfterStop() throws {
        let fixture = try PipelineFixture(partitions: 4, consumers: 2, workers: 2)
        let values = (0..<3_000).map { Array("request-\($0)".utf8) }
        try fixture.send(values)

        let pipeline = try Pipeline(configuration: fixture.configuration, logger: PipelineFixture.logger) { _ in
            EchoProcessor()
        }
        try pipeline.start()
        let outputs = try fixture.read(fixture.configuration.output, atLeast: values.count)
        #expect(pipeline.stop(timeoutSeconds: 20))

        let answered = Dictionary(grouping: outputs) { String(decoding: $0.key ?? [], as: UTF8.self) }
        #expect(answered.count == values.count)
        for index in 0..<values.count {
            #expect(answered["k-\(index)"]?.first?.value == values[index], "k-\(index)")
        }
        let counts = pipeline.counters.snapshot
        #expect(counts.consumed == values.count)
        #expect(counts.produced == values.count)
        #expect(counts.deliveryFailures == 0)
        #expect(pipeline.inFlight == 0)

        // Everything was acknowledged, so the committed offset of each partition is its end.
        let inputs = try fixture.read(fixture.configuration.input, atLeast: values.count)
        let committed = try fixture.committedOffsets(partitions: 4)
        #expect(committed == fixture.inputCounts(inputs))
    }

    @Test func aTinyRingPausesPartitionsAndStillAnswersEverything() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 1)
        fixture.configuration.ringCapacity = 16
        fixture.configuration.maxBatch = 4
        let values = (0..<2_000).map { Array("r\($0)".utf8) }
        try fixture.send(values)
        let pipeline = try Pipeline(configuration: fixture.configuration, logger: PipelineFixture.logger) { _ in
            SlowEchoProcessor()
        }
        try pipeline.start()
        let outputs = try fixture.read(fixture.configuration.output, atLeast: values.count)
        #expect(pipeline.stop(timeoutSeconds: 20))
        #expect(Set(outputs.compactMap(\.key)).count == values.count)
        #expect(pipeline.counters.snapshot.backPressurePauses > 0)
    }
}

/// An echo processor that takes 50 µs per record, so the input ring fills.
final class SlowEchoProcessor: BatchProcessor {
    private let echo = EchoProcessor()

    func process(_ batch: [InputRecord], into outputs: inout [OutputRecord]) {
        sleepThread(for: .microseconds(50 * batch.count))
        echo.process(batch, into: &outputs)
    }
}
