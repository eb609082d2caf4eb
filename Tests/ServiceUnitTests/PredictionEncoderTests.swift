import Foundation
import Inference
import Kafka
import Service
import Testing

@Suite struct PredictionEncoderTests {
    let encoder = PredictionEncoder(
        model: SVMModel(
            name: "enc\"oder",
            version: "7",
            kernel: .linear,
            gamma: 0,
            intercept: 0,
            threshold: 0.25,
            dimension: 1,
            weights: [1],
            featureConfiguration: .default
        )
    )
    let message = KafkaMessage(topic: "requests", partition: 3, offset: 1_234_567_890_123, key: nil, value: [])

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func writesEveryContractField() throws {
        let json = try object(encoder.encode(id: "r-1", score: -1.5, anomalous: false, source: message))
        #expect(json["id"] as? String == "r-1")
        #expect(json["anomalous"] as? Bool == false)
        #expect((json["score"] as? NSNumber)?.floatValue == -1.5)
        #expect((json["threshold"] as? NSNumber)?.floatValue == 0.25)
        #expect(json["model"] as? String == "enc\"oder@7")
        let source = try #require(json["source"] as? [String: Any])
        #expect(source["topic"] as? String == "requests")
        #expect((source["partition"] as? NSNumber)?.intValue == 3)
        #expect((source["offset"] as? NSNumber)?.int64Value == 1_234_567_890_123)
    }

    @Test func escapesIdsAndFallsBackToTheSourcePosition() throws {
        let tricky = "a\"b\\c\n\u{1}é"
        #expect(
            try object(encoder.encode(id: tricky, score: 2, anomalous: true, source: message))["id"] as? String
                == tricky
        )
        #expect(
            try object(encoder.encode(id: nil, score: 2, anomalous: true, source: message))["id"] as? String
                == "requests/3/1234567890123"
        )
        let invalid: [UInt8] = [0x61, 0xFF, 0x62]
        let repaired = try object(
            encoder.encode(
                idBytes: invalid.span,
                verdict: PredictionEncoder.Verdict(score: 0, anomalous: false),
                source: message
            )
        )
        #expect(repaired["id"] as? String == "a\u{FFFD}b")
    }

    @Test func anIdWithOneCharacterToEscapeAtAnyPlaceComesBackAsItWas() throws {
        for special in ["\"", "\\", "\n", "\u{1F}"] {
            for place in 0..<20 {
                let id = String(repeating: "x", count: place) + special + String(repeating: "y", count: 19 - place)
                let encoded = encoder.encode(id: id, score: 2, anomalous: true, source: message)
                #expect(try object(encoded)["id"] as? String == id)
            }
        }
    }

    @Test func integersOfEverySizeAreWritten() {
        for value: Int64 in [0, 7, -7, 9, 10, 99, 100, 1_000_000, 999_999_999, .max, .min + 1, .min] {
            for prefix in ["", #"{"offset":"#] {
                var out = Array(prefix.utf8)
                JSONText.appendInteger(value, to: &out)
                #expect(String(decoding: out, as: UTF8.self) == prefix + String(value))
            }
        }
    }

    @Test func partModelPredictionsNameTheCategoryAndThePart() throws {
        let configuration = PartFeatureConfiguration.default
        let partEncoder = PredictionEncoder(
            model: SVMModel(
                name: "parts",
                version: "1",
                intercept: 0,
                threshold: 0.5,
                weights: [Float](repeating: 0, count: configuration.hashedDimension),
                categories: ["sqli", "xss"],
                categoryIntercepts: [0, 0],
                categoryWeights: [Float](repeating: 0, count: 2 * configuration.hashedDimension),
                partConfiguration: configuration
            )
        )
        let verdict = PredictionEncoder.Verdict(score: 2, anomalous: true, part: .userAgent, category: 1)
        let json = try object(partEncoder.encode(idBytes: nil, verdict: verdict, source: message))
        #expect(json["category"] as? String == "xss")
        #expect(json["part"] as? String == "user_agent")
        #expect(json["anomalous"] as? Bool == true)
        let normal = try object(
            partEncoder.encode(
                idBytes: nil,
                verdict: PredictionEncoder.Verdict(score: -1, anomalous: false, part: .path),
                source: message
            )
        )
        #expect(normal["category"] == nil)
        #expect(normal["part"] as? String == "path")
    }

    @Test func offlinePredictionsNameTheFileAndLine() throws {
        let offline = PredictionEncoder(
            model: SVMModel(
                name: "m",
                version: "1",
                kernel: .linear,
                intercept: 0,
                dimension: 1,
                weights: [1],
                featureConfiguration: .default
            ),
            sourceStyle: .file
        )
        let line = KafkaMessage(topic: "requests.jsonl", partition: 0, offset: 42, key: nil, value: [])
        let json = try object(offline.encode(id: nil, score: 1, anomalous: true, source: line))
        #expect(json["id"] as? String == "requests.jsonl:42")
        let source = try #require(json["source"] as? [String: Any])
        #expect(source["file"] as? String == "requests.jsonl")
        #expect(source["line"] as? Int == 42)
        #expect(source.count == 2)
    }
}
