import Foundation
import Inference

/// Model files for tests: the shipped default, and a two-support-vector RBF model written on demand.
public enum TestModel {
    /// The model the service ships with, `models/default.model`.
    public static let defaultModel = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/default.model").path

    /// The RBF model: one SQL-injection request (+1) and one ordinary search (-1), version 1.
    public static func write() throws -> String {
        try write(version: "1")
    }

    /// Writes the model with `version` to `path` (default: a new temporary file) and returns the path.
    public static func write(version: String, to path: String? = nil) throws -> String {
        let extractor = try FeatureExtractor(configuration: .default)
        let parser = RequestParser()
        func features(_ text: String) throws -> [Float] {
            let request = ParsedRequest()
            try parser.parse(Array(text.utf8), into: request)
            return extractor.extract(request)
        }
        let attack = try features(#"{"path":"/search","query":"q=' OR 1=1 UNION SELECT password FROM users--"}"#)
        let benign = try features(#"{"path":"/search","query":"q=shoes&page=1"}"#)
        let model = SVMModel(
            name: "service-test",
            version: version,
            kernel: .rbf,
            gamma: 0.5,
            intercept: 0,
            threshold: 0,
            dimension: extractor.dimension,
            supportVectors: attack + benign,
            dualCoefficients: [1, -1],
            featureConfiguration: .default
        )
        let path =
            path
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("service-test") + ".model")
            .path
        try Data(model.encodedFile()).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}
