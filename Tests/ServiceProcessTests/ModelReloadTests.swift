import Foundation
import Kafka
import Service
import TestSupport
import Testing

/// Hot model reload in a running `serve`: SIGHUP or a changed file; nothing lost, every answer
/// from one whole model, a bad file refused with the old model kept.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ModelReloadTests {
    /// The `model` field of each answer (predictions only) to the keys `k-<range>`.
    static func models(_ log: AnswerLog, output: String, keys: Range<Int>) -> [String: Int] {
        let wanted = Set(keys.map { "k-\($0)" })
        var models: [String: Int] = [:]
        for message in log.loop.messages where message.topic == output {
            guard wanted.contains(String(decoding: message.key ?? [], as: UTF8.self)),
                let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
                let model = json["model"] as? String
            else { continue }
            models[model, default: 0] += 1
        }
        return models
    }

    @Test func sighupSwapsTheModelBetweenBatchesAndABadFileKeepsTheOldOne() throws {
        var fixture = try PipelineFixture(partitions: 4)
        let path = try TestModel.write(version: "1")
        fixture.configuration.model = path
        let log = try AnswerLog(fixture)
        let service = try ServiceProcess(fixture.configuration, extra: ["--model-poll-seconds", "0"])
        let requests = PipelineFixture.requests(3_000)
        let output = fixture.configuration.output

        try fixture.send(Array(requests[0..<1_000]))
        #expect(log.wait(for: 1_000).count == 1_000, "\(service.log.suffix(2_000))")
        #expect(Self.models(log, output: output, keys: 0..<1_000).keys.sorted() == ["service-test@1"])

        _ = try TestModel.write(version: "2", to: path)
        kill(service.process.processIdentifier, SIGHUP)
        #expect(
            eventually(seconds: 20) { service.log.contains("service-test@2 replaces service-test@1") },
            "\(service.log.suffix(2_000))"
        )
        try fixture.send(Array(requests[1_000..<2_000]), keyOffset: 1_000)
        #expect(log.wait(for: 2_000).count == 2_000)
        #expect(Self.models(log, output: output, keys: 1_000..<2_000).keys.sorted() == ["service-test@2"])

        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        kill(service.process.processIdentifier, SIGHUP)
        #expect(
            eventually(seconds: 20) { service.log.contains("model reload refused") },
            "\(service.log.suffix(2_000))"
        )
        #expect(service.log.contains("still scoring with service-test@2"))
        try fixture.send(Array(requests[2_000..<3_000]), keyOffset: 2_000)
        let answered = log.wait(for: 3_000)
        #expect(Self.models(log, output: output, keys: 2_000..<3_000).keys.sorted() == ["service-test@2"])

        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        #expect((0..<3_000).allSatisfy { answered["k-\($0)"] == 1 }, "every input answered exactly once")
    }

    @Test func aChangedModelFileIsReloadedWithoutASignal() throws {
        var fixture = try PipelineFixture(partitions: 2)
        let path = try TestModel.write(version: "1")
        fixture.configuration.model = path
        let log = try AnswerLog(fixture)
        let service = try ServiceProcess(fixture.configuration, extra: ["--model-poll-seconds", "0.5"])
        try fixture.send(Array(PipelineFixture.requests(100)))
        #expect(log.wait(for: 100).count == 100, "\(service.log.suffix(2_000))")
        _ = try TestModel.write(version: "3", to: path)
        #expect(
            eventually(seconds: 20) { service.log.contains("model reloaded (the file changed): service-test@3") },
            "\(service.log.suffix(2_000))"
        )
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
    }
}
