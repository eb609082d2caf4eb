import Foundation
import Inference
import Kafka
import Service
import TestSupport
import Testing

/// A shadow model in a running pipeline over the embedded broker (real TCP): its verdicts in each
/// prediction, or with `shadow-output` one record per prediction on a topic of their own, and the
/// agreement counters adding up to the predictions.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ShadowPipelineTests {
    static let count = 300

    /// Runs a pipeline with the test model as main and the shipped part model as shadow over
    /// ``count`` requests (a few unparseable); returns the predictions and the counters.
    static func run(
        _ fixture: PipelineFixture,
        options: ProcessorOptions
    ) throws -> (predictions: [KafkaMessage], counts: PipelineCounts, shadow: SVMModel) {
        let model = try fixture.configuration.loadModel()
        let shadow = try #require(try fixture.configuration.loadShadowModel())
        try fixture.send(PipelineFixture.requests(count))
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeReloadingProcessors(
                models: ModelSwitch(model, shadow: shadow),
                maxBatch: fixture.configuration.maxBatch,
                options: options
            )
        )
        try pipeline.start()
        let answered = count - (0..<count).filter { $0 % 97 == 0 }.count
        let predictions = try fixture.read(fixture.configuration.output, atLeast: answered)
        #expect(pipeline.stop(timeoutSeconds: 20))
        #expect(predictions.count == answered)
        return (predictions, pipeline.counters.snapshot, shadow)
    }

    static func fixture(shadowOutput: String? = nil) throws -> PipelineFixture {
        var fixture = try PipelineFixture(partitions: 3, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        fixture.configuration.shadowModel = TestModel.defaultModel
        fixture.configuration.shadowOutput = shadowOutput
        fixture.configuration.maxBatch = 16
        return fixture
    }

    static func json(_ message: KafkaMessage) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
    }

    /// The agreement of each (main, shadow) verdict pair, counted.
    static func agreements(_ pairs: [(Bool, Bool)]) -> [ShadowAgreement: Int] {
        Dictionary(grouping: pairs.compactMap { ShadowAnswer(anomalous: $0.1).agreement(withMain: $0.0) }) { $0 }
            .mapValues(\.count)
    }

    @Test func predictionsCarryTheShadowVerdictAndTheCountersAgreeWithThem() throws {
        let fixture = try Self.fixture()
        let (predictions, counts, shadow) = try Self.run(fixture, options: ProcessorOptions())
        var pairs: [(Bool, Bool)] = []
        for message in predictions {
            let json = try Self.json(message)
            let field = try #require(
                json["shadow"] as? [String: Any],
                "\(String(decoding: message.value, as: UTF8.self))"
            )
            #expect(field["model"] as? String == shadow.identifier)
            let score = try #require(field["score"] as? Double)
            let anomalous = try #require(field["anomalous"] as? Bool)
            #expect(anomalous == (score > Double(shadow.threshold)))
            #expect(json["model"] as? String == "service-test@1", "the main model still answers")
            pairs.append((try #require(json["anomalous"] as? Bool), anomalous))
        }
        let expected = Self.agreements(pairs)
        #expect(ShadowAgreement.allCases.allSatisfy { counts.shadowAgreement($0) == expected[$0, default: 0] })
        #expect(ShadowAgreement.allCases.map { counts.shadowAgreement($0) }.reduce(0, +) == counts.predicted)
        #expect(counts.shadowUnscorable == 0 && counts.shadowDeliveryFailures == 0)
    }

    @Test func underExactlyOnceTheShadowFieldIsCommittedWithItsPredictionAndCountedAtCommit() throws {
        var fixture = try Self.fixture()
        fixture.configuration.guarantee = .exactlyOnce
        fixture.configuration.transactionalID = Unique.name("tid")
        fixture.configuration.transactionIntervalMilliseconds = 50
        let (predictions, counts, shadow) = try Self.run(fixture, options: ProcessorOptions())
        #expect(counts.transactionsCommitted >= 1)
        var pairs: [(Bool, Bool)] = []
        for message in predictions {
            let json = try Self.json(message)
            let field = try #require(json["shadow"] as? [String: Any])
            #expect(field["model"] as? String == shadow.identifier)
            pairs.append((try #require(json["anomalous"] as? Bool), try #require(field["anomalous"] as? Bool)))
        }
        let expected = Self.agreements(pairs)
        #expect(ShadowAgreement.allCases.allSatisfy { counts.shadowAgreement($0) == expected[$0, default: 0] })
    }

    @Test func shadowOutputGetsOneRecordPerPredictionKeyedAsItsInputAndPredictionsStayPlain() throws {
        let topic = Unique.name("shadow")
        let fixture = try Self.fixture(shadowOutput: topic)
        try fixture.broker.createTopic(topic, partitions: 2)
        let options = ProcessorOptions(shadowRecords: true)
        let (predictions, counts, shadow) = try Self.run(fixture, options: options)
        let records = try fixture.read(topic, atLeast: predictions.count)
        #expect(records.count == predictions.count)
        let keys = { (messages: [KafkaMessage]) in
            messages.map { String(decoding: $0.key ?? [], as: UTF8.self) }.sorted()
        }
        #expect(keys(records) == keys(predictions), "one record per prediction, under the input's key")

        let predictionByKey = Dictionary(
            uniqueKeysWithValues: predictions.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0) }
        )
        var pairs: [(Bool, Bool)] = []
        for record in records {
            let value = try Self.json(record)
            let prediction = try Self.json(
                try #require(predictionByKey[String(decoding: record.key ?? [], as: UTF8.self)])
            )
            #expect(prediction["shadow"] == nil)
            #expect(value["id"] as? String == prediction["id"] as? String)
            let main = try #require(value["main"] as? [String: Any])
            #expect(main["anomalous"] as? Bool == prediction["anomalous"] as? Bool)
            #expect(main["score"] as? Double == prediction["score"] as? Double)
            #expect(main["model"] as? String == prediction["model"] as? String)
            let verdict = try #require(value["shadow"] as? [String: Any])
            #expect(verdict["model"] as? String == shadow.identifier)
            let source = try #require(value["source"] as? [String: Any])
            #expect(
                NSDictionary(dictionary: source)
                    == NSDictionary(dictionary: try #require(prediction["source"] as? [String: Any]))
            )
            pairs.append((try #require(main["anomalous"] as? Bool), try #require(verdict["anomalous"] as? Bool)))
        }
        let expected = Self.agreements(pairs)
        #expect(ShadowAgreement.allCases.allSatisfy { counts.shadowAgreement($0) == expected[$0, default: 0] })
        #expect(counts.shadowDeliveryFailures == 0)
        #expect(counts.acknowledged == counts.produced, "a shadow record's delivery completes no answer")
        let committed = try fixture.committedOffsets(partitions: 3)
        #expect(committed.values.reduce(0, +) == Int64(Self.count), "every input committed: \(committed)")
    }
}
