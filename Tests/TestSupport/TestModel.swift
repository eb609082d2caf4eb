import Foundation
import Inference

/// Model files for tests: the shipped default, and a two-support-vector RBF model written on demand.
public enum TestModel {
    /// The model the service ships with, `models/default.model`.
    public static let defaultModel = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/default.model").path

    /// The previous default, a whole-request linear model (`http-ngram-v2`, 16,400 features), whose
    /// feature configuration differs from the default's and from ``write()``'s.
    public static let wholeRequestModel = URL(fileURLWithPath: defaultModel)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("bench/models/whole-request-v2.model").path

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

extension TestModel {
    /// Magic plus an LZ4 frame header declaring 2^31 bytes of content, and nothing else (the
    /// hostile sizes of docs/RELIABILITY.md, scenario 8). Header checksum: byte 1 of XXH32 of the descriptor `6C 40 00 00 00 80 00 00 00 00`.
    public static let lyingFrame: [UInt8] = [
        0x41, 0x53, 0x56, 0x4D, 0x4C, 0x5A, 0x34, 0x00, 0x04, 0x22, 0x4D, 0x18, 0x6C, 0x40, 0x00, 0x00, 0x00,
        0x80, 0x00, 0x00, 0x00, 0x00, 0x78,
    ]

    /// A valid RBF model of one all-zero support vector over the default extractor widened to
    /// `hashedDimension` (2^22 gives a file of about 70 KB that needs 1 GiB of feature rows per
    /// worker at batches of 64).
    public static func wideModelFile(hashedDimension: Int) -> [UInt8] {
        var configuration = FeatureConfiguration.default
        configuration.hashedDimension = hashedDimension
        configuration.dimension = hashedDimension + NumericFeature.allCases.count
        return SVMModel(
            name: "wide",
            version: "1",
            kernel: .rbf,
            gamma: 0.5,
            intercept: 0,
            dimension: configuration.dimension,
            supportVectors: [Float](repeating: 0, count: configuration.dimension),
            dualCoefficients: [1],
            featureConfiguration: configuration
        ).encodedFile()
    }
}
