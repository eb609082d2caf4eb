import Foundation
import Inference
import Kafka
import MetricsTestKit
import Platform
import Service
import TestSupport
import Testing

/// The shadow model's file: its settings, a bad file at start, and hot reload beside the main model.
@Suite(.timeLimit(.minutes(1)))
struct ShadowModelLoadingTests {
    @Test func shadowSettingsComeFromFlagsAndTheFileAndAreCheckedTogether() throws {
        let resolved = try ServiceConfiguration.resolve(
            arguments: ["--shadow-model", "models/next.model", "--shadow-output", "predictions.shadow"],
            environment: [:]
        )
        #expect(resolved.configuration.shadowModel == "models/next.model")
        #expect(resolved.configuration.shadowOutput == "predictions.shadow")

        var fromFile = ServiceConfiguration()
        try fromFile.apply(
            TOMLDocument(parsing: #"shadow-model = "next.model""#, source: "serve.toml"),
            source: "serve.toml"
        )
        #expect(fromFile.shadowModel == "next.model")

        var orphan = ServiceConfiguration()
        orphan.shadowOutput = "verdicts"
        #expect(throws: ServiceError.self) { try orphan.validate() }
        var clash = ServiceConfiguration()
        clash.shadowModel = "next.model"
        clash.shadowOutput = clash.output
        let error = try #require(throws: ServiceError.self) { try clash.validate() }
        #expect(error.description.contains("shadow-output must differ"))
        var transactional = ServiceConfiguration()
        transactional.shadowModel = "next.model"
        transactional.shadowOutput = "verdicts"
        transactional.guarantee = .exactlyOnce
        let refusal = try #require(throws: ServiceError.self) { try transactional.validate() }
        #expect(refusal.description.contains("shadow-output is for guarantee at-least-once"), "\(refusal)")
    }

    @Test func aBadShadowFileFailsTheStartNamingTheFileAndTheProblem() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("bad") + ".model").path
        try Data(#"{"id":"not a model"}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ServiceConfiguration()
        configuration.shadowModel = path
        let error = try #require(throws: ServiceError.self) { try configuration.loadShadowModel() }
        #expect(error.description.contains("shadow-model '\(path)' refused"), "\(error)")
        #expect(error.description.contains("not a model file"), "\(error)")

        configuration.shadowModel = "/nonexistent/next.model"
        let missing = try #require(throws: ServiceError.self) { try configuration.loadShadowModel() }
        #expect(missing.description.contains("'/nonexistent/next.model'"), "\(missing)")

        configuration.shadowModel = nil
        #expect(try configuration.loadShadowModel() == nil)
    }

    @Test func sighupReloadsTheShadowAndABadShadowFileKeepsThePreviousOne() throws {
        let backend = TestMetrics()
        let mainPath = try TestModel.write(version: "1")
        let shadowPath = try TestModel.write(version: "10")
        defer {
            try? FileManager.default.removeItem(atPath: mainPath)
            try? FileManager.default.removeItem(atPath: shadowPath)
        }
        var configuration = ServiceConfiguration()
        configuration.model = mainPath
        configuration.shadowModel = shadowPath
        configuration.modelPollSeconds = 0
        let models = ModelSwitch(
            try configuration.loadModel(),
            shadow: try configuration.loadShadowModel(),
            metricsFactory: backend
        )
        let shadowInfo = { (version: String) in
            [("name", "service-test"), ("version", version), ("kernel", "rbf")]
        }
        #expect(try backend.expectGauge(ServiceMetricNames.shadowModelInfo, shadowInfo("10")).lastValue == 1)
        let processor = try makeReloadingProcessors(models: models, maxBatch: 8)(0)
        #expect(try Self.shadowModels(processor) == ["service-test@10"])

        let capture = LogCapture()
        let reloader = try ModelReloader(
            configuration: configuration,
            models: models,
            logger: capture.logger,
            metricsFactory: backend
        )
        defer { reloader.stop() }
        _ = try TestModel.write(version: "11", to: shadowPath)
        reloader.requestReload()
        #expect(eventually(seconds: 20) { backend.counterTotal(label: ServiceMetricNames.modelReloads) == 2 })
        #expect(
            capture.messages.contains {
                $0.contains("shadow model reloaded (SIGHUP): service-test@11 replaces service-test@10")
            }
        )
        #expect(try Self.shadowModels(processor) == ["service-test@11"])
        #expect(try backend.expectGauge(ServiceMetricNames.shadowModelInfo, shadowInfo("11")).lastValue == 1)

        try Data("not a model".utf8).write(to: URL(fileURLWithPath: shadowPath), options: .atomic)
        reloader.requestReload()
        #expect(eventually(seconds: 20) { backend.counterTotal(label: ServiceMetricNames.modelReloadFailures) == 1 })
        let refusal = try #require(capture.messages.first { $0.contains("shadow model reload refused (SIGHUP)") })
        #expect(refusal.contains(shadowPath) && refusal.contains("still shadowing with service-test@11"), "\(refusal)")
        #expect(try Self.shadowModels(processor) == ["service-test@11"])
        #expect(try Self.mainModels(processor) == ["service-test@1"], "the main model reloaded as it was")
    }

    /// The `shadow.model` and `model` fields of a batch's predictions.
    static func shadowModels(_ processor: any BatchProcessor) throws -> Set<String> {
        Set(try predictions(processor).map { try #require(($0["shadow"] as? [String: Any])?["model"] as? String) })
    }

    static func mainModels(_ processor: any BatchProcessor) throws -> Set<String> {
        Set(try predictions(processor).map { try #require($0["model"] as? String) })
    }

    static func predictions(_ processor: any BatchProcessor) throws -> [[String: Any]] {
        var outputs: [OutputRecord] = []
        processor.process(ShadowProcessorTests.inputs, into: &outputs)
        return try outputs.filter { $0.destination == .prediction }.map { try ShadowProcessorTests.json($0.value) }
    }
}
