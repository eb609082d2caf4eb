import Foundation
import Inference
import Kafka
import Service
import TestSupport
import Testing

/// `score` says what `serve` says: the same engine, route thresholds and explanations, read from
/// the same configuration file and flags. Only `source` (and the id of a request without one,
/// which is made from `source`) differ.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ScoreParityTests {
    /// Demo traffic with a third attacks (access-log lines among them), plus lines that parse as
    /// nothing, written to a file; returns the lines and the path.
    static func requestsFile(_ count: Int) throws -> (lines: [String], path: String) {
        let emitted = try ServiceProcess.run(["demo", "--emit", String(count), "--attack-share", "0.3"])
        #expect(emitted.status == 0)
        var lines = emitted.outputLines.map(String.init)
        for index in stride(from: 7, to: lines.count, by: 211) { lines[index] = "not a request \(index)" }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("requests") + ".jsonl")
            .path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return (lines, path)
    }

    /// A prediction without its `source` (the rest of it is the verdict) and its id.
    static func verdict(_ prediction: some StringProtocol) -> (id: Substring, rest: Substring) {
        let text = Substring(prediction)
        let idEnd = text.range(of: #","anomalous":"#)!.lowerBound
        let sourceStart = text.range(of: #","source":"#, options: .backwards)!.lowerBound
        return (text[text.startIndex..<idEnd], text[idEnd..<sourceStart])
    }

    @Test func scorePrintsTheServiceProcessorsPredictionsByteForByte() throws {
        let (lines, path) = try Self.requestsFile(3_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ServiceProcess.run([
            "score", "--model", TestModel.defaultModel, path, "--explain", "--threshold", "/search=-0.5",
            "--threshold", "/login=0.25", "--no-progress",
        ])
        #expect(run.status == 0, "\(run.standardError.suffix(2_000))")

        var routes = RouteThresholds()
        try routes.set(rule: "/search=-0.5", source: "test")
        try routes.set(rule: "/login=0.25", source: "test")
        // Another batch size than score's: the verdicts must not depend on how lines are batched.
        let processor = try InferenceProcessor(
            model: SVMModel(contentsOf: TestModel.defaultModel),
            maxBatch: 500,
            routes: routes,
            explain: 5,
            sourceStyle: .file
        )
        let inputs = lines.enumerated().map { index, line in
            InputRecord(
                message: KafkaMessage(
                    topic: path,
                    partition: 0,
                    offset: Int64(index + 1),
                    key: nil,
                    value: Array(line.utf8)
                ),
                ticket: OffsetTracker.Ticket(rawValue: UInt(index)),
                receivedNanoseconds: 0
            )
        }
        var outputs: [OutputRecord] = []
        processor.process(inputs, into: &outputs)
        let expected = outputs.filter { $0.destination == .prediction }.sorted {
            $0.ticket.rawValue < $1.ticket.rawValue
        }
        .map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(run.outputLines.count == expected.count)
        #expect(run.outputLines.map(String.init) == expected)
        #expect(expected.contains { $0.contains(#""explanation":["#) }, "some anomalous request is explained")
        #expect(expected.contains { $0.contains(#""threshold":-0.5"#) }, "the /search route applied")
        let unparseable = run.errorLines.filter { $0.contains("unparseable (") }.count
        #expect(unparseable == outputs.count - expected.count)
    }

    @Test func scoreAnswersLikeServeWithTheSameConfigurationFileAndFlags() throws {
        let (lines, path) = try Self.requestsFile(2_000)
        let configurationPath = path + ".toml"
        try Data("explain = 3\nworkers = 2\n\n[thresholds]\n\"/search\" = -0.4\n\"/api\" = 0.1\n".utf8)
            .write(to: URL(fileURLWithPath: configurationPath))
        defer { for file in [path, configurationPath] { try? FileManager.default.removeItem(atPath: file) } }
        let flags = ["--config", configurationPath, "--threshold", "/login=0.3"]

        var fixture = try PipelineFixture(partitions: 4)
        fixture.configuration.model = TestModel.defaultModel
        let log = try AnswerLog(fixture)
        let service = try ServiceProcess(fixture.configuration, extra: flags)
        try fixture.send(lines.map { Array($0.utf8) })
        let answered = log.wait(for: lines.count)
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        #expect(answered.count == lines.count, "\(service.log.suffix(2_000))")

        let run = try ServiceProcess.run(
            ["score", "--model", TestModel.defaultModel, path, "--progress-interval", "60"] + flags
        )
        #expect(run.status == 0, "\(run.standardError.suffix(2_000))")
        // score: by line; serve: by key k-<index>, on the prediction or the dead-letter topic.
        var scored: [Int: Substring] = [:]
        for prediction in run.outputLines {
            let line = prediction.range(of: #""line":"#).map {
                Int(prediction[$0.upperBound...].prefix { $0.isNumber })
            }
            scored[(line ?? nil)! - 1] = prediction
        }
        var served: [Int: String] = [:]
        var deadLettered: [Int: String] = [:]
        for message in log.loop.messages {
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            guard let index = Int(key.dropFirst(2)) else { continue }
            if message.topic == fixture.configuration.output {
                served[index] = String(decoding: message.value, as: UTF8.self)
            } else {
                let header = message.headers.first { $0.name == DeadLetterHeader.error }
                deadLettered[index] = String(decoding: header?.value ?? [], as: UTF8.self)
            }
        }
        #expect(Set(scored.keys) == Set(served.keys))
        var explained = 0
        for (index, prediction) in served {
            guard let mine = scored[index] else { continue }
            let (servedID, servedVerdict) = Self.verdict(prediction)
            let (scoredID, scoredVerdict) = Self.verdict(mine)
            #expect(scoredVerdict == servedVerdict, "line \(index + 1): \(lines[index])")
            // A request without an id gets one made from its source, which differs by design.
            if lines[index].hasPrefix("{") { #expect(scoredID == servedID) }
            if servedVerdict.contains(#""explanation":["#) { explained += 1 }
        }
        #expect(explained > 0, "the file's explain = 3 applied")
        #expect(served.values.contains { $0.contains(#""threshold":-0.4"#) }, "the file's [thresholds] applied")
        #expect(served.values.contains { $0.contains(#""threshold":0.3"#) }, "the flag's threshold applied")
        // The dead letters are the lines score calls unparseable, for the same reasons.
        var unparseable: [Int: String] = [:]
        for line in run.errorLines where line.contains(": unparseable (") {
            let number = Int(line.split(separator: " ")[2].dropLast())!
            let reason = line.split(separator: "(", maxSplits: 1)[1].prefix { $0 != ":" }
            unparseable[number - 1] = String(reason)
        }
        #expect(unparseable == deadLettered)
        #expect(!unparseable.isEmpty)
    }
}
