import Foundation
import Inference
import TestSupport
import Testing

/// `featurize --feature-config`, the name `score` uses too; `--config`, its former name, still works
/// for existing scripts but is no longer shown.
@Suite(.timeLimit(.minutes(2)))
struct FeaturizeCommandTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("featurize")).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func featureConfigAndItsFormerNameGiveTheSameFeatures() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = PartFeatureConfiguration.default
        configuration.hashedDimension = 1 << 12
        let configurationPath = directory + "/feature_config.json"
        try Data(configuration.canonicalJSON().utf8).write(to: URL(fileURLWithPath: configurationPath))
        let requests = directory + "/requests.jsonl"
        try Data(
            (#"{"path":"/search","query":"q=shoes"}"# + "\n" + #"{"path":"/a","query":"id=1 OR 1=1"}"# + "\n").utf8
        ).write(to: URL(fileURLWithPath: requests))

        var written: [String: [Data]] = [:]
        for flag in ["--feature-config", "--config"] {
            let out = directory + "/out" + flag
            let run = try ServiceProcess.run(["featurize", requests, "--out", out, flag, configurationPath])
            #expect(run.status == 0, "\(flag): \(run.standardError)")
            written[flag] = try ["feature_config.json", "parts_indices.npy", "parts_data.npy"].map {
                try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0))
            }
        }
        #expect(written["--feature-config"] == written["--config"])
        let used = String(decoding: written["--feature-config"]?.first ?? Data(), as: UTF8.self)
        #expect(used.contains(#""hashed_dim":4096"#), "the given configuration, not the default: \(used)")
    }

    @Test func bothNamesAtOnceAreRefused() throws {
        let run = try ServiceProcess.run(["featurize", "--out", "/tmp/x", "--feature-config", "a", "--config", "b"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("--config is the former name of --feature-config"))
    }

    @Test func helpShowsOnlyTheNewName() throws {
        let help = try ServiceProcess.run(["featurize", "--help"]).standardOutput
        #expect(help.contains("--feature-config"))
        #expect(!help.contains("--config "))
    }
}
