import Foundation
import Kafka
import Service
import Testing

/// `serve`'s settings come from one table: each one's flag, file key and variable set the same
/// value, unknown names are caught with a suggestion, and the docs show the same table.
@Suite struct SettingsTableTests {
    static func resolve(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> (configuration: ServiceConfiguration, warnings: [String]) {
        try ServiceConfiguration.resolve(arguments: arguments, environment: environment)
    }

    static func temporaryFile(_ text: String, suffix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "settings-\(getpid())-\(UInt32.random(in: 0...UInt32.max))\(suffix)"
        ).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [
        ("workers", "3"), ("log-level", "debug"), ("wait-for-broker", "2.5"), ("bootstrap-server", "k:1"),
        ("brokers", "k:2"), ("log-format", "json"), ("explain", "7"), ("max-in-flight-bytes", "64MiB"),
    ])
    func aSettingsFlagFileKeyAndVariableSetTheSameValue(_ name: String, _ text: String) throws {
        let fromFlag = try Self.resolve(["--\(name)", text]).configuration
        let fileValue = Int(text) != nil || Double(text) != nil ? text : "\"\(text)\""
        let file = try Self.temporaryFile("\(name) = \(fileValue)\n", suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = try Self.resolve(["--config", file]).configuration
        let variable = "ANOMALY_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        let fromEnvironment = try Self.resolve([], environment: [variable: text]).configuration
        var expected = fromFlag
        expected.configFile = file
        #expect(fromFile == expected, "file key \(name)")
        #expect(fromEnvironment == fromFlag, "variable \(variable)")
        #expect(fromFlag != ServiceConfiguration(), "the flag changed something")
    }

    @Test func everySettingIsReachableByFlagAndVariableAndDocumented() {
        for setting in ServiceConfiguration.settings {
            #expect(ServiceConfiguration.setting(named: setting.name)?.name == setting.name)
            #expect(ServiceConfiguration.settingsHelp.contains("--\(setting.name) "), "\(setting.name) in --help")
            #expect(ServiceConfiguration.settingsTable.contains("`--\(setting.name) "), "\(setting.name) in the table")
            for variable in setting.environmentVariables {
                #expect(ServiceConfiguration.settingsTable.contains(variable), "\(variable) in the table")
            }
        }
    }

    @Test func flagsTakeTheFormsTheKafkaToolsUse() throws {
        let resolved = try Self.resolve([
            "-b", "a:1,b:2", "-G", "detectors", "--no-pin", "--explain", "--threshold", "/admin=-0.5",
            "--threshold=/api=1", "-X", "linger.ms=3", "-Xacks=all", "--kafka-consumer", "fetch.wait.max.ms=2",
            "--workers=4", "--log-level", "warning",
        ]).configuration
        #expect(resolved.brokers == "a:1,b:2" && resolved.group == "detectors")
        #expect(resolved.pinThreads == false && resolved.explain == 5 && resolved.workers == 4)
        #expect(resolved.logLevel == "warning")
        #expect(resolved.routeThresholds.rules.map(\.prefix) == ["/admin", "/api"])
        #expect(resolved.kafka == ["linger.ms=3", "acks=all"])
        #expect(try resolved.consumerConfiguration()["fetch.wait.max.ms"] == "2")
        #expect(try Self.resolve(["--explain", "3"]).configuration.explain == 3)
        #expect(try Self.resolve(["--brokers", "c:3"]).configuration.brokers == "c:3", "the former name still works")
        #expect(try Self.resolve(["--pin-threads", "false"]).configuration.pinThreads == false)
    }

    @Test(arguments: [
        (["--wokers", "3"], "unknown flag '--wokers'; did you mean '--workers'?"),
        (["--bootstrap-servers", "a:1"], "did you mean '--bootstrap-server'?"),
        (["--workers"], "flag --workers needs a value (N)"),
        (["requests"], "unexpected argument 'requests'"),
        (["--no-pin=yes"], "flag --no-pin takes no value"),
        (["-Z", "1"], "unknown flag '-Z'"),
        (["--workers", "-2"], "flag --workers: 'workers' must be a positive integer, got '-2'"),
    ])
    func aBadFlagFailsNamingItAndTheNearestSetting(_ arguments: [String], _ message: String) {
        #expect {
            _ = try Self.resolve(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func anUnknownAnomalyVariableIsAWarningWithASuggestion() throws {
        let resolved = try Self.resolve(
            [],
            environment: ["ANOMALY_BROKER": "a:1", "ANOMALY_LOG_LEVEL": "error", "PATH": "/bin", "ANOMALY_WOKERS": "2"]
        )
        #expect(
            resolved.warnings == [
                "environment ANOMALY_BROKER names no setting and is ignored; did you mean 'ANOMALY_BROKERS'?",
                "environment ANOMALY_WOKERS names no setting and is ignored; did you mean 'ANOMALY_WORKERS'?",
            ]
        )
        #expect(resolved.configuration.logLevel == "error", "ANOMALY_LOG_LEVEL is read")
        #expect(resolved.configuration.brokers == ServiceConfiguration().brokers)
    }

    @Test func variablesTakeRepeatableSettingsAsACommaList() throws {
        let properties = try Self.temporaryFile("# nothing yet\n", suffix: ".properties")
        defer { try? FileManager.default.removeItem(atPath: properties) }
        let resolved = try Self.resolve(
            [],
            environment: ["ANOMALY_THRESHOLD": "/admin=-0.5,/api=1", "ANOMALY_KAFKA_CONFIG": properties]
        ).configuration
        #expect(resolved.routeThresholds.rules.map(\.prefix) == ["/admin", "/api"])
        #expect(resolved.kafkaConfigFile == properties, "the properties file, not a property named config")
        #expect(resolved.kafka.isEmpty)
    }

    @Test func flagsOverrideVariablesWhichOverrideTheFile() throws {
        let file = try Self.temporaryFile("workers = 2\ngroup = \"file\"\nmax-batch = 32\n", suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let resolved = try Self.resolve(
            ["--workers", "6"],
            environment: ["ANOMALY_CONFIG": file, "ANOMALY_WORKERS": "4", "ANOMALY_GROUP": "environment"]
        ).configuration
        #expect(resolved.workers == 6 && resolved.group == "environment" && resolved.maxBatch == 32)
        #expect(resolved.configFile == file)
    }

    @Test func aPropertiesFileGoesUnderEveryOtherLibrdkafkaProperty() throws {
        let properties = try Self.temporaryFile(
            """
            # client.properties, as Kafka's tools take it
            security.protocol=PLAINTEXT
            ! another comment
            linger.ms = 7
            client.id: long\\
              -name

            """,
            suffix: ".properties"
        )
        defer { try? FileManager.default.removeItem(atPath: properties) }
        let resolved = try Self.resolve(["--kafka-config", properties, "-X", "linger.ms=1"]).configuration
        let producer = try resolved.producerConfiguration()
        #expect(producer["security.protocol"] == "PLAINTEXT")
        #expect(producer["client.id"] == "long-name")
        #expect(producer["linger.ms"] == "1", "a flag overrides the properties file")
    }

    @Test func aBadPropertyInAFileNamesFileAndLineWithoutItsValue() throws {
        let properties = try Self.temporaryFile("linger.ms=1\n\nsasl.pasword=hunter2\n", suffix: ".properties")
        defer { try? FileManager.default.removeItem(atPath: properties) }
        #expect {
            _ = try Self.resolve(["-F", properties])
        } throws: { error in
            "\(error)" == "\(properties):3: librdkafka property 'sasl.pasword' is unknown (its value is not shown)"
        }
        let toml = try Self.temporaryFile(
            "workers = 2\n[kafka.producer]\n\"linger.ms\" = 1\n\"lingr.ms\" = 2\n",
            suffix: ".toml"
        )
        defer { try? FileManager.default.removeItem(atPath: toml) }
        #expect {
            _ = try Self.resolve(["--config", toml])
        } throws: { error in
            "\(error)".hasPrefix("\(toml):4: librdkafka property 'lingr.ms' is unknown")
        }
    }

    @Test(arguments: [
        ["-X", "enable.auto.offset.store=true"], ["--kafka-consumer", "enable.auto.commit=false"],
        ["--kafka-producer", "acks=0"], ["-X", "request.required.acks=0"],
        ["--kafka-producer", "message.timeout.ms=30000"], ["-X", "delivery.timeout.ms=5000"],
        ["--kafka-producer", "delivery.report.only.error=true"],
    ])
    func propertiesThatBreakAtLeastOnceAreRefusedWithTheReason(_ arguments: [String]) {
        #expect {
            _ = try Self.resolve(arguments)
        } throws: { error in
            "\(error)".hasPrefix("flag \(arguments[0]): '\(arguments[1])': ")
                && ["commit", "acknowledged", "unanswered"].contains { "\(error)".contains($0) }
        }
    }

    @Test func propertiesThatKeepAtLeastOnceAreAccepted() throws {
        let resolved = try Self.resolve([
            "--kafka-producer", "acks=1", "-X", "message.timeout.ms=0", "--kafka-consumer",
            "auto.commit.interval.ms=250",
        ]).configuration
        #expect(try resolved.producerConfiguration()["acks"] == "1")
        #expect(try resolved.consumerConfiguration()["auto.commit.interval.ms"] == "250")
    }

    @Test func theOperationsGuideShowsTheGeneratedSettingsTable() throws {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/OPERATIONS.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        let begin = "<!-- settings table: anomaly-service serve --settings-table -->\n"
        let end = "<!-- end of settings table -->"
        let start = try #require(text.range(of: begin), "the guide marks its settings table")
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        #expect(
            String(text[start.upperBound..<stop.lowerBound]) == ServiceConfiguration.settingsTable,
            "docs/OPERATIONS.md's settings table is out of date: replace it with `anomaly-service serve --settings-table`"
        )
    }
}
