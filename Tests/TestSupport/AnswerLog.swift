import Kafka
import Service

/// Reads the output and dead-letter topics from the start on its own thread, for the whole test.
public final class AnswerLog {
    public let loop: PollingLoop

    public init(_ fixture: PipelineFixture) throws {
        loop = PollingLoop(
            try KafkaConsumer(
                configuration: TestConfig.consumer(fixture.broker, group: Unique.name("reader")),
                topics: [fixture.configuration.output, fixture.configuration.deadLetter]
            )
        )
    }

    /// How many answers each key got so far.
    public var answered: [String: Int] {
        var answered: [String: Int] = [:]
        for message in loop.messages { answered[String(decoding: message.key ?? [], as: UTF8.self), default: 0] += 1 }
        return answered
    }

    /// Waits until `count` distinct keys are answered or `seconds` pass; returns the answers.
    public func wait(for count: Int, seconds: Double = 90) -> [String: Int] {
        _ = eventually(seconds: seconds) { answered.count >= count }
        return answered
    }

    deinit { loop.stop() }
}
