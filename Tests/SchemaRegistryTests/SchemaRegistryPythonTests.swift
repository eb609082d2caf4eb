import Foundation
import SchemaRegistry
import Testing

/// confluent-kafka's Python `SchemaRegistryClient`, `AvroSerializer` and `AvroDeserializer`
/// (2.6.1, installed by scripts/setup.sh) against the development registry:
/// Tests/Python/schema_registry_client.py.
@Suite(
    .timeLimit(.minutes(1)),
    .enabled(if: PythonClient.missing == nil, Comment(rawValue: PythonClient.missing ?? ""))
)
struct SchemaRegistryPythonTests {
    @Test func confluentPythonClientRegistersFetchesAndRoundTripsARecord() throws {
        let server = SchemaRegistryServer(port: 0)
        let port = try server.start()
        defer { server.stop() }
        let result = try PythonClient.run([PythonClient.script, "http://127.0.0.1:\(port)"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasSuffix("ok\n"), "\(result.output)")
    }
}

/// python3 with confluent-kafka, run as a child process.
private enum PythonClient {
    /// Why the test cannot run here, or nil when python3 has confluent_kafka with Avro support.
    static let missing: String? = {
        let result = try? run(["-c", "import confluent_kafka.schema_registry.avro, fastavro, requests"])
        guard let result else { return "python3 is not installed" }
        return result.status == 0
            ? nil : "confluent-kafka[avro,schemaregistry] is not installed (run scripts/setup.sh): \(result.output)"
    }()

    static var script: String {
        // This file is Tests/SchemaRegistryTests/SchemaRegistryPythonTests.swift.
        "/" + String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/")
            + "/Python/schema_registry_client.py"
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
