import Foundation
import Inference
import SchemaRegistry
import Service
import TestSupport
import Testing

/// The Avro prediction schema with its `shadow` field against the one before it: readable both
/// ways, and registered over it by a registry that checks BACKWARD compatibility.
@Suite(.timeLimit(.minutes(1)))
struct ShadowPredictionSchemaTests {
    /// The prediction schema as it was before `shadow`: the same text without that last field.
    static func previousText() throws -> String {
        let cut = try #require(PredictionSchema.text.range(of: #",{"name":"shadow""#))
        return String(PredictionSchema.text[..<cut.lowerBound]) + "]}"
    }

    @Test func thePredictionSchemaWithShadowReadsAndIsReadByTheOneBeforeIt() throws {
        let current = try AvroSchema(parsing: PredictionSchema.text)
        let previous = try AvroSchema(parsing: try Self.previousText())
        #expect(current.incompatibilities(readingDataWrittenWith: previous) == [], "BACKWARD: the registry's default")
        #expect(previous.incompatibilities(readingDataWrittenWith: current) == [], "FORWARD: old readers skip it")
    }

    @Test func aServiceUpgradedInPlaceRegistersItAsTheSubjectsNextVersion() throws {
        let server = SchemaRegistryServer(port: 0, compatibility: .backward)
        let url = "http://127.0.0.1:\(try server.start())"
        defer { server.stop() }
        var configuration = ServiceConfiguration()
        configuration.output = Unique.name("predictions")
        configuration.outputFormat = .avro
        configuration.schemaRegistryURLs = [url]
        let client = try SchemaRegistryClient(configuration: configuration.registryConfiguration)
        let subject = PredictionSchema.subject(forTopic: configuration.output)
        let previous = try client.register(subject: subject, schema: try Self.previousText())

        let options = try configuration.processorOptions(logger: PipelineFixture.logger)
        guard case .avro(let id) = options.predictions else {
            Issue.record("predictions are \(options.predictions), not Avro")
            return
        }
        #expect(id != previous, "a new version under \(subject), not the old schema's id")
    }
}
