import Foundation
import Inference
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Reliability scenario 8 (docs/RELIABILITY.md), hostile sizes: a model file
/// that lies about its size, or that is honest but needs gigabytes to score, is refused at start
/// and at reload without the process ever holding more than `peakLimit`.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct BadModelMemoryTests {
    /// Far above what `serve` needs to start (about 30-60 MB) and far below what the refused files ask.
    static let peakLimit = 100 << 20

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name(name)).path
    }

    /// `serve` over `configuration` with no broker listening (the refusal must come first), run to
    /// its end.
    static func serve(_ configuration: ServiceConfiguration, extra: [String] = []) throws -> MeasuredRun {
        var configuration = configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        return try MeasuredRun.run(
            ServiceProcess.executable.path,
            ServiceProcess.arguments(configuration, extra: extra),
            timeoutSeconds: 30
        )
    }

    @Test(arguments: ["lying frame", "wide model"])
    func aModelAskingForGigabytesStopsServeAtStartWithinAHundredMegabytes(kind: String) throws {
        let path = Self.temporaryPath("hostile") + ".model"
        let bytes = kind == "lying frame" ? TestModel.lyingFrame : TestModel.wideModelFile(hashedDimension: 1 << 22)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ServiceConfiguration()
        configuration.model = path
        configuration.workers = 2
        let run = try Self.serve(configuration)
        let expected =
            kind == "lying frame"
            ? "refused: LZ4 frame declares 2147483648 bytes of content in 15 bytes"
            : "over the limit of 1073741824 bytes (max-model-memory)"
        #expect(run.status == 1, "\(kind): \(run.output.suffix(2_000))")
        #expect(run.output.contains("model '\(path)'") && run.output.contains(expected), "\(run.output.suffix(2_000))")
        #expect(run.peakResidentBytes < Self.peakLimit, "\(kind): peak \(run.peakResidentBytes) bytes")
        print(
            "hostile model (\(kind), \(bytes.count) bytes): exit \(run.status), peak RSS \(run.peakResidentBytes >> 20) MiB"
        )
    }

    @Test func aModelPathThatIsADirectoryStopsServeSayingSo() throws {
        let directory = Self.temporaryPath("model-dir")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServiceConfiguration()
        configuration.model = directory
        let run = try Self.serve(configuration)
        #expect(run.status == 1)
        #expect(
            run.output.contains("model '\(directory)' refused: cannot read \(directory): is a directory"),
            "\(run.output)"
        )
    }

    @Test func aConfigurationFileOfAHundredMegabytesStopsServeUnread() throws {
        let path = Self.temporaryPath("huge") + ".toml"
        _ = FileManager.default.createFile(atPath: path, contents: Data("workers = 2\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 100 << 20)
        try handle.close()
        var configuration = ServiceConfiguration()
        configuration.model = TestModel.defaultModel
        let run = try Self.serve(configuration, extra: ["--config", path])
        #expect(run.status == 64, "a usage error")
        #expect(
            run.output.contains("configuration file '\(path)' is 104857600 bytes, over the limit of 1048576 bytes"),
            "\(run.output)"
        )
        #expect(run.peakResidentBytes < Self.peakLimit, "peak \(run.peakResidentBytes) bytes")
        print("100 MB configuration file: exit \(run.status), peak RSS \(run.peakResidentBytes >> 20) MiB")
    }

    @Test func aReloadAskingForGigabytesKeepsTheOldModelWithinAHundredMegabytes() throws {
        var fixture = try PipelineFixture(partitions: 2)
        let path = try TestModel.write(version: "1")
        fixture.configuration.model = path
        let log = try AnswerLog(fixture)
        let service = try ServiceProcess(fixture.configuration, extra: ["--model-poll-seconds", "0"])
        try fixture.send(Array(PipelineFixture.requests(200)))
        #expect(log.wait(for: 200).count == 200, "\(service.log.suffix(2_000))")
        let before = service.peakResidentBytes ?? 0

        let files = [
            ("declares 2147483648 bytes of content", TestModel.lyingFrame),
            ("(max-model-memory)", TestModel.wideModelFile(hashedDimension: 1 << 22)),
        ]
        for (index, (reason, bytes)) in files.enumerated() {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            kill(service.process.processIdentifier, SIGHUP)
            #expect(
                eventually(seconds: 20) {
                    service.log.components(separatedBy: "model reload refused").count == index + 2
                },
                "\(service.log.suffix(2_000))"
            )
            let line = service.log.split(separator: "\n").last { $0.contains("model reload refused") } ?? ""
            #expect(line.contains(reason) && line.contains("still scoring with service-test@1"), "\(line)")
        }
        let peak = service.peakResidentBytes ?? Int.max
        #expect(peak < Self.peakLimit, "peak \(peak) bytes")
        try fixture.send(Array(PipelineFixture.requests(200)), keyOffset: 200)
        #expect(log.wait(for: 400).count == 400, "the old model still answers: \(service.log.suffix(2_000))")
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        print("hostile reloads: peak RSS \(before >> 20) MiB before, \(peak >> 20) MiB after")
    }
}
