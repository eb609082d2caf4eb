import Foundation
import Testing

@testable import Inference

/// The model header read without a schema (``JSONValue``, FoundationEssentials' `JSONDecoder`):
/// numbers, strings and objects where the format says, each refusal naming what it found.
@Suite struct ModelHeaderTests {
    static let configuration = ModelFileTests.configuration(dimension: 48)

    /// A linear model file of zero weights with `header`'s fields (`feature_config` added unless given).
    static func file(_ fields: String) -> [UInt8] {
        let header =
            fields.contains("\"feature_config\"")
            ? "{\(fields)}" : "{\(fields),\"feature_config\":\(configuration.canonicalJSON())}"
        return SVMModel.fileMagic
            + LZ4Frame.encode(ModelLimitTests.payload(header: header, floats: [Float](repeating: 0, count: 48)))
    }

    static let valid = #""kernel":"linear","intercept":-0.5,"threshold":0.25,"n_sv":0,"dim":48"#

    static func reason(_ fields: String) -> String? {
        ModelLimitTests.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: file(fields)) }?.reason
    }

    @Test func aHeaderOfNumbersAndStringsLoads() throws {
        let model = try SVMModel(fileBytes: Self.file(Self.valid + #","name":"edge/a","version":"7""#))
        #expect(model.identifier == "edge/a@7")
        #expect(model.intercept == -0.5 && model.threshold == 0.25 && model.dimension == 48)
        #expect(try model.featureConfiguration() == Self.configuration)
    }

    @Test func integralNumbersInAnyNotationAreCounts() throws {
        let fields = #""kernel":"linear","intercept":0,"threshold":0,"n_sv":0.0,"dim":4.8e1"#
        #expect(try SVMModel(fileBytes: Self.file(fields)).dimension == 48)
    }

    @Test func theStoredFeatureConfigurationIsCanonicalWhateverTheFileSpacing() throws {
        // Keys out of order and spaces: stored sorted and compact, as the encoder writes it.
        let spaced = #"{ "weight" : 0.25 , "field" : "user_agent" }"#
        let expected = Self.configuration
        let configuration = expected.canonicalJSON().replacingOccurrences(
            of: #"{"field":"user_agent","weight":0.25}"#,
            with: spaced
        )
        #expect(configuration.contains(spaced))
        let model = try SVMModel(fileBytes: Self.file(Self.valid + ",\"feature_config\":" + configuration))
        #expect(String(decoding: model.featureConfigurationJSON, as: UTF8.self) == expected.canonicalJSON())
        #expect(try model.featureConfiguration() == expected)
    }

    @Test func eachRefusalNamesWhatTheHeaderHeld() {
        #expect(Self.reason(#""kernel":5,"intercept":0,"threshold":0,"n_sv":0,"dim":48"#) == "unknown kernel 5")
        #expect(Self.reason(#""kernel":"poly","intercept":0,"threshold":0,"n_sv":0,"dim":48"#) == "unknown kernel poly")
        #expect(Self.reason(#""intercept":0,"threshold":0,"n_sv":0,"dim":48"#) == "unknown kernel missing")
        #expect(
            Self.reason(#""kernel":"linear","intercept":0,"threshold":0,"n_sv":0.5,"dim":48"#)?
                .hasPrefix("inconsistent header: kernel linear, n_sv 0.5, dim 48 ") == true
        )
        #expect(
            Self.reason(#""kernel":"linear","intercept":0,"threshold":0,"n_sv":"0""#)?
                .hasPrefix("inconsistent header: kernel linear, n_sv 0, dim missing ") == true
        )
        #expect(
            Self.reason(#""kernel":"linear","intercept":"0","threshold":0,"n_sv":0,"dim":48"#)
                == "header lacks intercept or threshold"
        )
        #expect(Self.reason(Self.valid + #","feature_config":[1,2]"#) == "header lacks a feature_config object")
        #expect(
            Self.reason(Self.valid + #","categories":["a",1],"category_intercepts":[0,0]"#)
                == "categories need a linear model and one intercept each (at most 64)"
        )
    }

    @Test func aHeaderThatIsNotAnObjectIsRefused() {
        let file = SVMModel.fileMagic + LZ4Frame.encode(ModelLimitTests.payload(header: "[1]", floats: []))
        let error = ModelLimitTests.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: file) }
        #expect(error?.reason == "header is not a JSON object")
    }

    @Test func thePartExtractorIsRecognisedByItsNameOnly() {
        let part = Data(PartFeatureConfiguration.default.canonicalJSON().utf8)
        #expect(PartFeatureConfiguration.isPartConfiguration(part))
        #expect(!PartFeatureConfiguration.isPartConfiguration(Data(Self.configuration.canonicalJSON().utf8)))
        #expect(!PartFeatureConfiguration.isPartConfiguration(Data(#"{"extractor":3}"#.utf8)))
        #expect(!PartFeatureConfiguration.isPartConfiguration(Data("not json".utf8)))
    }

    @Test func unknownConfigurationKeysAreStillRefused() {
        var json = Self.configuration.canonicalJSON()
        json.removeLast()
        json += #","extra":{"nested":[null,true]}}"#
        let error = ModelLimitTests.refusal { () throws(InferenceError) in
            _ = try FeatureConfiguration.decode(Data(json.utf8))
        }
        #expect(error?.reason == "unknown feature configuration key extra")
    }
}
