import Foundation
import Testing

@testable import Inference

@Suite struct ModelFileTests {
    /// The default configuration shrunk to `dimension` (16 numeric features + a power of two).
    static func configuration(dimension: Int) -> FeatureConfiguration {
        var configuration = FeatureConfiguration.default
        configuration.hashedDimension = dimension - NumericFeature.allCases.count
        configuration.dimension = dimension
        return configuration
    }

    static func randomModel(kernel: SVMKernel, dimension: Int = 48, count: Int = 7, seed: UInt64 = 1) -> SVMModel {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Float { Float(generator.next() >> 40) / Float(1 << 24) }
        return SVMModel(
            name: "test",
            version: "1",
            kernel: kernel,
            gamma: kernel == .rbf ? 0.7 : 0,
            intercept: -0.25,
            threshold: 0.1,
            dimension: dimension,
            supportVectors: kernel == .rbf ? (0..<(count * dimension)).map { _ in uniform() } : [],
            dualCoefficients: kernel == .rbf ? (0..<count).map { _ in uniform() * 2 - 1 } : [],
            weights: kernel == .linear ? (0..<dimension).map { _ in uniform() - 0.5 } : [],
            featureConfiguration: configuration(dimension: dimension)
        )
    }

    @Test(arguments: [SVMKernel.rbf, .linear])
    func roundTripsThroughTheFileFormat(kernel: SVMKernel) throws {
        let model = Self.randomModel(kernel: kernel)
        let read = try SVMModel(fileBytes: model.encodedFile())
        #expect(read.identifier == "test@1")
        #expect(read.kernel == kernel)
        #expect(read.supportVectors == model.supportVectors)
        #expect(read.dualCoefficients == model.dualCoefficients)
        #expect(read.weights == model.weights)
        #expect(read.gamma == model.gamma)
        #expect(read.threshold == 0.1)
        #expect(try read.featureConfiguration() == Self.configuration(dimension: 48))
    }

    func expectInvalid(
        _ bytes: [UInt8],
        code: InferenceError.Code = .invalidModel,
        expecting: FeatureConfiguration? = nil
    ) {
        do {
            _ = try SVMModel(fileBytes: bytes, expecting: expecting)
            Issue.record("model was accepted")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test func refusesAWrongMagic() {
        var bytes = Self.randomModel(kernel: .rbf).encodedFile()
        bytes[0] = UInt8(ascii: "B")
        expectInvalid(bytes)
    }

    @Test func refusesATruncatedFile() {
        let bytes = Self.randomModel(kernel: .rbf).encodedFile()
        for cut in [4, 8, 12, bytes.count / 2, bytes.count - 1] { expectInvalid(Array(bytes[0..<cut])) }
        expectInvalid(bytes + [0])
    }

    @Test func refusesAFrameChecksumMismatch() {
        var bytes = Self.randomModel(kernel: .rbf).encodedFile()
        bytes[bytes.count - 10] ^= 0x55
        expectInvalid(bytes)
    }

    @Test func refusesACRCMismatchInsideAValidFrame() {
        var payload = Self.randomModel(kernel: .rbf).encodedPayload()
        payload[payload.count - 20] ^= 0x01
        expectInvalid(SVMModel.fileMagic + LZ4Frame.encode(payload))
    }

    @Test func refusesAnotherFeatureConfiguration() {
        var other = Self.configuration(dimension: 48)
        other.seed = 7
        let bytes = Self.randomModel(kernel: .linear).encodedFile()
        expectInvalid(bytes, code: .featureMismatch, expecting: other)
        #expect((try? SVMModel(fileBytes: bytes, expecting: Self.configuration(dimension: 48))) != nil)
    }

    @Test func loadsTheTrainersGoldenModels() throws {
        for name in ["rbf", "linear", "nystroem"] {
            let model = try SVMModel(contentsOf: GoldenVectors.directory.appendingPathComponent("\(name).model").path)
            #expect(model.dimension == 64)
            // Synthetic feature_config: not a configuration this extractor implements.
            #expect(throws: InferenceError.self) { try model.featureConfiguration() }
        }
    }
}
