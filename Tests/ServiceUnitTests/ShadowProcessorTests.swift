import Foundation
import Inference
import Kafka
import MetricsTestKit
import Service
import TestSupport
import Testing

/// A shadow model in the processor: every prediction carries the verdict that model alone would
/// give, the main verdict stays what it was, whichever way each model scores (part, linear from
/// counts, kernel rows copied from the main model's or extracted again for another configuration).
@Suite struct ShadowProcessorTests {
    /// The test RBF model (two support vectors from real requests, so its score follows the
    /// features; random ones over 16,000 dimensions give exp(-large) = 0 whatever the request).
    static func rbf(version: String) throws -> SVMModel {
        let path = try TestModel.write(version: version)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try SVMModel(contentsOf: path)
    }

    /// Main and shadow models, named apart so the `model` fields differ.
    enum Pair: String, CaseIterable, Sendable {
        case rbfMainLinearShadow, rbfMainRBFShadowSharingRows, linearMainRBFShadow
        case partMainRBFShadow, rbfMainPartShadow, rbfMainShadowOfAnotherConfiguration

        func models() throws -> (main: SVMModel, shadow: SVMModel) {
            switch self {
            case .rbfMainLinearShadow:
                (InferenceProcessorTests.model(.rbf), InferenceProcessorTests.model(.linear, name: "s"))
            case .rbfMainRBFShadowSharingRows:
                (try ShadowProcessorTests.rbf(version: "1"), try ShadowProcessorTests.rbf(version: "2"))
            case .linearMainRBFShadow:
                (InferenceProcessorTests.model(.linear), try ShadowProcessorTests.rbf(version: "2"))
            case .partMainRBFShadow:
                (try SVMModel(contentsOf: TestModel.defaultModel), try ShadowProcessorTests.rbf(version: "2"))
            case .rbfMainPartShadow:
                (InferenceProcessorTests.model(.rbf), try SVMModel(contentsOf: TestModel.defaultModel))
            case .rbfMainShadowOfAnotherConfiguration:
                (InferenceProcessorTests.model(.rbf), try SVMModel(contentsOf: TestModel.wholeRequestModel))
            }
        }
    }

    /// Three rounds of the processor tests' requests (some unparseable), so rows are reused.
    static let inputs: [InputRecord] = (0..<3).flatMap { round in
        InferenceProcessorTests.requests.enumerated().map { index, text in
            let offset = round * 10 + index
            return InputRecord(
                message: KafkaMessage(
                    topic: "requests",
                    partition: 0,
                    offset: Int64(offset),
                    key: Array("k-\(offset)".utf8),
                    value: Array(text.utf8)
                ),
                ticket: .init(rawValue: UInt(offset)),
                receivedNanoseconds: 0
            )
        }
    }

    static func run(_ processor: InferenceProcessor) -> [OutputRecord.Destination: [UInt: OutputRecord]] {
        var outputs: [OutputRecord] = []
        processor.process(inputs, into: &outputs)
        return Dictionary(grouping: outputs, by: \.destination).mapValues { records in
            Dictionary(uniqueKeysWithValues: records.map { ($0.ticket.rawValue, $0) })
        }
    }

    static func json(_ bytes: [UInt8]?) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes ?? [])) as? [String: Any])
    }

    @Test(arguments: Pair.allCases, [4, 64])
    func theShadowFieldIsWhatTheShadowModelAloneSaysAndTheMainVerdictIsUnchanged(pair: Pair, maxBatch: Int) throws {
        let (main, shadow) = try pair.models()
        let withShadow = Self.run(try InferenceProcessor(model: main, maxBatch: maxBatch, shadow: shadow))
        let mainAlone = Self.run(try InferenceProcessor(model: main, maxBatch: maxBatch))
        let shadowAlone = Self.run(try InferenceProcessor(model: shadow, maxBatch: maxBatch))
        let predictions = try #require(withShadow[.prediction])
        #expect(predictions.count == 15)
        #expect(withShadow[.deadLetter]?.keys.sorted() == mainAlone[.deadLetter]?.keys.sorted())
        for (ticket, output) in predictions {
            var prediction = try Self.json(output.value)
            let field = try #require(prediction.removeValue(forKey: "shadow") as? [String: Any], "\(ticket)")
            let reference = try Self.json(try #require(shadowAlone[.prediction]?[ticket]).value)
            let score = try #require(field["score"] as? Double)
            let expected = try #require(reference["score"] as? Double)
            #expect(abs(score - expected) <= 1e-5 * abs(expected) + 1e-6, "\(pair) \(ticket)")
            #expect(field["anomalous"] as? Bool == reference["anomalous"] as? Bool)
            #expect(field["model"] as? String == shadow.identifier)

            let alone = try #require(mainAlone[.prediction]?[ticket])
            #expect(NSDictionary(dictionary: prediction) == NSDictionary(dictionary: try Self.json(alone.value)))
            #expect(output.anomalous == alone.anomalous)
            let shadowAnomalous = field["anomalous"] as? Bool
            #expect(output.shadow == ShadowAnswer(anomalous: shadowAnomalous))
        }
    }

    @Test func withShadowRecordsThePredictionIsByteForByteTheMainModelsAlone() throws {
        let (main, shadow) = try Pair.partMainRBFShadow.models()
        var options = ProcessorOptions()
        options.shadowRecords = true
        let withShadow = Self.run(try InferenceProcessor(model: main, maxBatch: 8, options: options, shadow: shadow))
        let mainAlone = Self.run(try InferenceProcessor(model: main, maxBatch: 8))
        let predictions = try #require(withShadow[.prediction])
        #expect(predictions.count == 15)
        for (ticket, output) in predictions {
            let alone = try #require(mainAlone[.prediction]?[ticket])
            #expect(output.value == alone.value)
            let record = try Self.json(try #require(output.shadow?.value))
            let prediction = try Self.json(output.value)
            #expect(record["id"] as? String == prediction["id"] as? String)
            let mainVerdict = try #require(record["main"] as? [String: Any])
            #expect(mainVerdict["anomalous"] as? Bool == output.anomalous)
            #expect(mainVerdict["score"] as? Double == prediction["score"] as? Double)
            #expect(mainVerdict["model"] as? String == main.identifier)
            let shadowVerdict = try #require(record["shadow"] as? [String: Any])
            #expect(shadowVerdict["model"] as? String == shadow.identifier)
            #expect(shadowVerdict["anomalous"] as? Bool == output.shadow?.anomalous)
            #expect(
                NSDictionary(dictionary: try #require(record["source"] as? [String: Any])) == [
                    "topic": "requests", "partition": 0, "offset": Int(ticket),
                ]
            )
        }
    }

    @Test func agreementIsCountedFromBothVerdictsAndUnscorableShadowsApart() {
        let counters = PipelineCounters()
        let cases: [(main: Bool, shadow: Bool?)] = [
            (true, true), (true, false), (true, false), (false, true), (false, false), (false, false),
            (false, false), (true, nil),
        ]
        for (main, shadow) in cases { counters.count(ShadowAnswer(anomalous: shadow), main: main) }
        let counts = counters.snapshot
        #expect(counts.shadowAgreement(.bothAnomalous) == 1)
        #expect(counts.shadowAgreement(.onlyMain) == 2)
        #expect(counts.shadowAgreement(.onlyShadow) == 1)
        #expect(counts.shadowAgreement(.bothNormal) == 3)
        #expect(counts.shadowUnscorable == 1)
    }

    @Test func eachAgreementReachesTheMetricsBackendUnderItsVerdictLabel() throws {
        let backend = TestMetrics()
        let metrics = PipelineMetrics(factory: backend)
        var reading = PipelineReading.zero
        reading.counts.shadowBothAnomalous = 4
        reading.counts.shadowOnlyMain = 3
        reading.counts.shadowOnlyShadow = 2
        reading.counts.shadowBothNormal = 1
        reading.counts.shadowUnscorable = 5
        metrics.flush { reading }
        let expected: [ShadowAgreement: Int64] = [.bothAnomalous: 4, .onlyMain: 3, .onlyShadow: 2, .bothNormal: 1]
        for (agreement, total) in expected {
            let counter = try backend.expectCounter(
                ServiceMetricNames.shadowAgreement,
                [("verdict", agreement.rawValue)]
            )
            #expect(counter.totalValue == total, "\(agreement.rawValue)")
        }
        #expect(backend.counterTotal(label: ServiceMetricNames.shadowUnscorable) == 5)
    }

    @Test func anAvroPredictionEndsWithTheShadowUnionAfterTheSourceRecord() throws {
        let (main, shadow) = try Pair.rbfMainLinearShadow.models()
        let options = ProcessorOptions(predictions: .avro(schemaID: 7))
        let withShadow = Self.run(try InferenceProcessor(model: main, maxBatch: 8, options: options, shadow: shadow))
        let mainAlone = Self.run(try InferenceProcessor(model: main, maxBatch: 8, options: options))
        let shadowAlone = Self.run(try InferenceProcessor(model: shadow, maxBatch: 8, options: options))
        let inJSON = Self.run(try InferenceProcessor(model: main, maxBatch: 8, shadow: shadow))
        for (ticket, output) in try #require(withShadow[.prediction]) {
            let alone = try #require(mainAlone[.prediction]?[ticket]?.value)
            let value = try #require(output.value)
            // The main fields as before, the null branch replaced by branch 1: score, verdict, model.
            #expect(Array(value.prefix(alone.count - 1)) == Array(alone.dropLast()))
            #expect(alone.last == 0 && value[alone.count - 1] == 2, "union index 1, zig-zag encoded")
            let reference = try #require(shadowAlone[.prediction]?[ticket])
            var tail = value[alone.count...]
            // An Avro double is 8 bytes little-endian.
            let score = Double(bitPattern: tail.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            tail = tail.dropFirst(8)
            #expect(tail.first == (reference.anomalous ? 1 : 0))
            #expect(String(decoding: tail.dropFirst(2), as: UTF8.self) == shadow.identifier)
            let field = try #require(try Self.json(inJSON[.prediction]?[ticket]?.value)["shadow"] as? [String: Any])
            let expected = try #require(field["score"] as? Double)
            #expect(abs(score - expected) <= 1e-6 * abs(expected) + 1e-7)
        }
    }
}
