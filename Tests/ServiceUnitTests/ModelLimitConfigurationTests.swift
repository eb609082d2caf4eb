import Foundation
import Inference
import Service
import TestSupport
import Testing

/// `max-model-memory` and the bounds on the files `serve` reads.
@Suite struct ModelLimitConfigurationTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name(name)).path
    }

    @Test(arguments: [
        ("1073741824", 1 << 30), ("512MiB", 512 << 20), ("1GiB", 1 << 30), ("64 KiB", 64 << 10), ("2048B", 2048),
    ])
    func maxModelMemoryTakesBytesWithOrWithoutASuffix(text: String, bytes: Int) throws {
        var configuration = ServiceConfiguration()
        try configuration.set("max-model-memory", text, source: "test")
        #expect(configuration.maxModelMemory == bytes)
    }

    @Test(arguments: ["0", "-1GiB", "1GB", "lots", "", "9999999999TiB"])
    func aMaxModelMemoryThatIsNotAByteCountIsRefusedNamingTheSource(text: String) {
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.set("max-model-memory", text, source: "flag --max-model-memory")
        } throws: { error in
            "\(error)".contains("flag --max-model-memory") && "\(error)".contains("'max-model-memory'")
        }
    }

    @Test func maxModelMemoryComesFromTheFileAndTheEnvironment() throws {
        var configuration = ServiceConfiguration()
        try configuration.apply(TOMLDocument(parsing: "max-model-memory = \"256MiB\""), source: "f")
        #expect(configuration.maxModelMemory == 256 << 20)
        try configuration.apply(environment: ["ANOMALY_MAX_MODEL_MEMORY": "2GiB"])
        #expect(configuration.maxModelMemory == 2 << 30)
    }

    @Test func theEdgeProfileLowersMaxModelMemoryUnlessItWasSet() throws {
        var configuration = ServiceConfiguration()
        try configuration.set("profile", "edge", source: "test")
        #expect(ServiceConfiguration().maxModelMemory == 1 << 30)
        #expect(configuration.applyingProfile(allowedCPUs: 2).maxModelMemory == 256 << 20)
        try configuration.set("max-model-memory", "2GiB", source: "test")
        #expect(configuration.applyingProfile(allowedCPUs: 2).maxModelMemory == 2 << 30)
    }

    @Test func aModelWhoseScoringExceedsMaxModelMemoryIsRefusedWithTheFigureAndTheSetting() throws {
        var configuration = ServiceConfiguration()
        configuration.model = try TestModel.write()
        configuration.workers = 2
        let model = try configuration.loadModel()
        let needed = model.scoringMemory(workers: 2, maxBatch: configuration.maxBatch).totalBytes
        configuration.maxModelMemory = needed - 1
        #expect {
            _ = try configuration.loadModel()
        } throws: { error in
            let text = "\(error)"
            return text.contains("model '\(configuration.model)' refused") && text.contains("needs \(needed) bytes")
                && text.contains("over the limit of \(needed - 1) bytes (max-model-memory)")
        }
        configuration.maxModelMemory = needed
        #expect(try configuration.loadModel().identifier == model.identifier)
    }

    @Test func aModelPathThatIsADirectoryIsRefusedAsADirectory() throws {
        let directory = Self.temporaryPath("model-dir")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServiceConfiguration()
        configuration.model = directory
        #expect {
            _ = try configuration.loadModel()
        } throws: { error in
            "\(error)".hasSuffix("model '\(directory)' refused: cannot read \(directory): is a directory")
        }
    }

    @Test func aConfigurationFileOverOneMebibyteIsRefusedUnreadNamingItsSize() throws {
        let path = Self.temporaryPath("huge") + ".toml"
        _ = FileManager.default.createFile(atPath: path, contents: Data("workers = 2\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Sparse: 100 MB long without writing it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 100_000_000)
        try handle.close()
        #expect {
            _ = try TOMLDocument(contentsOfFile: path)
        } throws: { error in
            "\(error)".hasSuffix(
                "configuration file '\(path)' is 100000000 bytes, over the limit of 1048576 bytes (1 MiB)"
            )
        }
    }

    @Test func aConfigurationFileUpToTheLimitIsRead() throws {
        let path = Self.temporaryPath("padded") + ".toml"
        let text = "workers = 3\n" + String(repeating: "#", count: TOMLDocument.maxFileBytes - 13) + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ServiceConfiguration()
        try configuration.apply(TOMLDocument(contentsOfFile: path), source: path)
        #expect(configuration.workers == 3)
    }

    @Test func aConfigurationPathThatIsADirectoryIsRefusedAsADirectory() throws {
        let directory = Self.temporaryPath("config-dir")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect {
            _ = try TOMLDocument(contentsOfFile: directory)
        } throws: { error in
            "\(error)".hasSuffix("cannot read configuration file '\(directory)': is a directory")
        }
    }
}
