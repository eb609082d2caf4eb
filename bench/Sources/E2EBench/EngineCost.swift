import Demo
import Foundation
import Inference
import Kafka
import Service

/// The scoring engine's CPU per request on the drain's own traffic (``DrainRun/preload``'s
/// generator), on one thread: what a worker spends per record, apart from the transport.
struct EngineCost {
    var model: String
    var seconds: Double

    func run() throws {
        let model = try SVMModel(contentsOf: model)
        var generator = TrafficGenerator(seed: DrainRun.generatorSeed)
        // 64 micro-batches of 64: 4,096 distinct requests, as the drain sends them.
        let batches: [[InputRecord]] = (0..<64).map { batch in
            (0..<64).map { index in
                let offset = batch * 64 + index
                let key = DrainRun.key(offset)
                let value = generator.next(id: key, timestampMilliseconds: DrainRun.timestamp(offset)).value
                return InputRecord(
                    message: KafkaMessage(
                        topic: BenchCluster.inputTopic,
                        partition: 0,
                        offset: Int64(offset),
                        key: Array(key.utf8),
                        value: value
                    ),
                    ticket: OffsetTracker.Ticket(rawValue: UInt(offset)),
                    receivedNanoseconds: 0
                )
            }
        }
        let processor = try InferenceProcessor(model: model, maxBatch: 64)
        var outputs: [OutputRecord] = []
        outputs.reserveCapacity(64)
        let engine = perRequest(batches) { batch in
            outputs.removeAll(keepingCapacity: true)
            processor.process(batch, into: &outputs)
        }
        let scorer = try PartScorer(model: model)
        let parser = RequestParser()
        let request = ParsedRequest(limits: parser.limits)
        var sink: Float = 0
        let parseScore = perRequest(batches) { batch in
            for record in batch {
                _ = parser.parseReason(record.message.value.span, into: request)
                sink += scorer.score(request).score
            }
        }
        let parse = perRequest(batches) { batch in
            for record in batch where parser.parseReason(record.message.value.span, into: request) != nil {
                sink += 1
            }
        }
        let bytes = batches.joined().reduce(0) { $0 + $1.message.value.count } / 4_096
        print(
            String(
                format: "engine-cost (%@, %ld bytes per request, one thread): engine %.2f µs, "
                    + "parse + score %.2f µs, parse %.2f µs per request%@",
                model.identifier,
                bytes,
                engine,
                parseScore,
                parse,
                sink.isNaN ? " (NaN scores)" : ""
            )
        )
    }

    /// Seconds of `body` over all batches, repeated for `seconds`, per request, in microseconds.
    private func perRequest(_ batches: [[InputRecord]], _ body: ([InputRecord]) -> Void) -> Double {
        let started = Clock.seconds()
        var requests = 0
        while Clock.seconds() - started < seconds {
            for batch in batches {
                body(batch)
                requests += batch.count
            }
        }
        return (Clock.seconds() - started) / Double(requests) * 1e6
    }
}
