import Foundation
import TestSupport
import Testing

/// What an operator reads when a file given to `score` or `featurize` is wrong: one line naming
/// the file and what is wrong with it, in words, with no Swift type names.
@Suite(.timeLimit(.minutes(2)))
struct CommandLineErrorTests {
    /// A file of requests, a feature configuration that is JSON but not one, and a directory.
    struct Files {
        let directory: String
        var requests: String { directory + "/requests.jsonl" }
        var notAConfiguration: String { directory + "/feature_config.json" }
        var missing: String { directory + "/missing.jsonl" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("files")).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(#"{"id":"r-1","path":"/search","query":"q=1"}"#.utf8).write(to: URL(fileURLWithPath: requests))
            try Data(#"{"extractor":"http-parts-v3","hashed_dim":"wide"}"#.utf8)
                .write(to: URL(fileURLWithPath: notAConfiguration))
        }
    }

    /// Type names as Swift prints them (`InferenceError.io:`), Foundation's error dumps, or a
    /// `Code(...)`-style value.
    static func typeNames(in text: String) -> [String] {
        text.matches(of: /[A-Z][A-Za-z]*(Error|Domain)(?![A-Za-z])|[A-Za-z]+\.[a-z][A-Za-z]*\(|CodingKeys/).map {
            String($0.output.0)
        }
    }

    /// A wrong file: the command line, and the phrases its error must contain.
    typealias Case = (name: String, arguments: @Sendable (Files) -> [String], says: @Sendable (Files) -> [String])

    static let cases: [Case] = [
        (
            "requests as the model",
            { ["score", "--model", $0.requests, $0.requests] },
            { ["model '\($0.requests)' refused: not a model file", #"starts with "{"id":"r""#, "ASVMLZ4"] }
        ),
        (
            "a missing model",
            { ["score", "--model", $0.missing, $0.requests] },
            { ["model '\($0.missing)' refused: cannot read \($0.missing)"] }
        ),
        (
            "a directory as the model",
            { ["score", "--model", $0.directory, $0.requests] },
            { ["cannot read \($0.directory): is a directory"] }
        ),
        (
            "a missing input",
            { ["score", "--model", TestModel.defaultModel, $0.missing] },
            { ["cannot open \($0.missing): No such file or directory"] }
        ),
        (
            "a missing feature configuration",
            { ["score", "--model", TestModel.defaultModel, "--feature-config", $0.missing, $0.requests] },
            { ["cannot read feature configuration '\($0.missing)': No such file or directory"] }
        ),
        (
            "requests as the feature configuration",
            { ["score", "--model", TestModel.defaultModel, "--feature-config", $0.requests, $0.requests] },
            { ["feature configuration '\($0.requests)' refused: it does not decode: key 'extractor' is missing"] }
        ),
        (
            "a feature configuration with a wrong value",
            {
                ["score", "--model", TestModel.defaultModel, "--feature-config", $0.notAConfiguration, $0.requests]
            },
            { ["feature configuration '\($0.notAConfiguration)' refused", "key 'hashed_dim' should be a number"] }
        ),
        (
            "a missing configuration file",
            { ["score", "--model", TestModel.defaultModel, "--config", $0.missing, $0.requests] },
            { ["'\($0.missing)'"] }
        ),
        (
            "featurize with a missing feature configuration",
            { ["featurize", "--feature-config", $0.missing, "--out", $0.directory + "/out", $0.requests] },
            { ["cannot read feature configuration '\($0.missing)'"] }
        ),
    ]

    @Test(arguments: cases.indices)
    func aWrongFileIsNamedWithWhatIsWrongAndNoTypeName(index: Int) throws {
        let (name, arguments, says) = Self.cases[index]
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let run = try ServiceProcess.run(arguments(files))
        #expect(run.status != 0, "\(name)")
        #expect(run.standardOutput.isEmpty, "\(name): \(run.standardOutput)")
        #expect(run.errorLines.count == 1, "\(name): one line: \(run.standardError)")
        for phrase in says(files) {
            #expect(run.standardError.contains(phrase), "\(name): '\(phrase)' not in: \(run.standardError)")
        }
        #expect(Self.typeNames(in: run.standardError).isEmpty, "\(name): \(run.standardError)")
    }

    @Test func theTypeNameCheckCatchesWhatSwiftAndFoundationPrint() {
        #expect(!Self.typeNames(in: "Error: InferenceError.io: cannot open x").isEmpty)
        #expect(!Self.typeNames(in: #"Error Domain=NSCocoaErrorDomain Code=260"#).isEmpty)
        #expect(!Self.typeNames(in: "keyNotFound(CodingKeys(stringValue: \"dim\"))").isEmpty)
        #expect(Self.typeNames(in: "Error: cannot open x: No such file or directory").isEmpty)
    }
}
