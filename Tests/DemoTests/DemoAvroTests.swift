import Demo
import Service
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct DemoAvroTests {
    @Test func theDemoSendsAvroThroughItsOwnRegistryAndScoresAsWithJSON() throws {
        var options = DemoRunner.Options()
        options.seconds = 2
        options.rate = 500
        options.partitions = 2
        options.pinThreads = false
        options.model = TestModel.defaultModel
        var lines: [String] = []
        options.inputFormat = .avro
        let avro = try DemoRunner(options: options, logger: PipelineFixture.logger).run { lines.append($0) }
        #expect(avro.sent > 0 && avro.lost == 0 && avro.duplicates == 0, "\(avro)")
        #expect(avro.predicted + avro.deadLettered == avro.sent, "\(avro)")
        #expect(lines.contains { $0.hasPrefix("development schema registry at http://127.0.0.1:") }, "\(lines)")
        // The same generated requests as JSON: the same verdicts.
        options.inputFormat = .auto
        let json = try DemoRunner(options: options, logger: PipelineFixture.logger).run { _ in }
        #expect(json.sent == avro.sent)
        #expect(json.anomalous == avro.anomalous && json.deadLettered == avro.deadLettered, "\(json) vs \(avro)")
    }

    @Test func avroOnAnExistingClusterIsRefusedSayingWhatToDoInstead() {
        var options = DemoRunner.Options()
        options.inputFormat = .avro
        options.brokers = "127.0.0.1:1"
        #expect {
            _ = try DemoRunner(options: options, logger: PipelineFixture.logger).run { _ in }
        } throws: { error in
            "\(error)".contains("serve --schema-registry")
        }
    }
}
