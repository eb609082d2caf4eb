import Foundation
import Service
import Testing

@Suite struct AvroSettingsTests {
    @Test func theFileTheEnvironmentAndFlagsSetTheAvroSettings() throws {
        let file = "/tmp/avro-settings-\(ProcessInfo.processInfo.processIdentifier).toml"
        try Data(
            """
            input-format = "avro"
            schema-registry = "https://registry-1.internal:8081/, http://registry-2.internal:8081"
            schema-registry-timeout-ms = 2500
            carry-headers = "x-request-id"

            [avro.fields]
            path = "request.uri"
            remote_addr = "client"
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (configuration, warnings) = try ServiceConfiguration.resolve(
            arguments: ["--config", file, "--output-format", "avro", "--carry-headers", "X-Tenant,baggage"],
            environment: ["ANOMALY_SCHEMA_REGISTRY_BASIC_AUTH": "svc:s3cret"]
        )
        #expect(warnings.isEmpty)
        #expect(configuration.inputFormat == .avro)
        #expect(configuration.outputFormat == .avro)
        #expect(
            configuration.schemaRegistryURLs == ["https://registry-1.internal:8081", "http://registry-2.internal:8081"]
        )
        #expect(configuration.schemaRegistryTimeoutMilliseconds == 2_500)
        #expect(configuration.schemaRegistryBasicAuth == "svc:s3cret")
        #expect(configuration.avroFields == ["path=request.uri", "remote_addr=client"])
        #expect(configuration.carryHeaders == ["x-request-id", "X-Tenant", "baggage"])
    }

    @Test(arguments: [
        (["--input-format", "protobuf"], "'input-format' must be auto, json, clf or avro, got 'protobuf'"),
        (["--input-format", "avro"], "input-format avro needs a schema: schema-registry URL"),
        (["--output-format", "avro"], "output-format avro needs schema-registry"),
        (
            ["--avro-schema", "r.avsc"],
            "avro-schema is for records without the wire format's header: set input-format avro"
        ),
        (
            ["--schema-registry", "ftp://r:8081"],
            "'schema-registry': schema registry URL 'ftp://r:8081' must start with http:// or https://"
        ),
        (["--schema-registry", "http://:8081"], "schema registry URL 'http://:8081' has no host"),
        (["--schema-registry", "http://r:8081/?x=1"], "must not have a query or fragment"),
        (["--schema-registry-basic-auth", "nopassword"], "'schema-registry-basic-auth' must be USER:PASSWORD"),
        (["--avro-field", "url=uri"], "'avro-field' names no request field 'url'; one of id, timestamp, method, path"),
        (["--avro-field", "path=request..uri"], "'avro-field' path must name an Avro record field"),
        (["--avro-field", "path"], "'avro-field' must be FIELD=RECORD_FIELD"),
        (["--carry-headers", "x-anomaly-error"], "x-anomaly-* headers are the service's own"),
        (["--carry-headers", "bad name"], "'carry-headers' entry 'bad name' is not a header name"),
    ])
    func aBadAvroSettingFailsNamingTheProblem(_ arguments: [String], _ expected: String) {
        #expect {
            _ = try ServiceConfiguration.resolve(arguments: arguments, environment: [:])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func theBasicAuthSecretIsNeverRepeatedInAnError() {
        #expect {
            _ = try ServiceConfiguration.resolve(
                arguments: ["--schema-registry-basic-auth", "s3cretWithoutColon"],
                environment: [:]
            )
        } throws: { error in
            !"\(error)".contains("s3cret")
        }
    }

    @Test func anAvroFieldOfTheWrongTypeInTheFileIsRefusedNamingTheLine() throws {
        let document = try TOMLDocument(parsing: "[avro.fields]\npath = 3", source: "bad.toml")
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.apply(document, source: "bad.toml")
        } throws: { error in
            "\(error)".contains("bad.toml:2: the Avro record field for 'path' must be a string, not an integer")
        }
    }
}
