import Foundation
import Service
import Testing

/// `latency-budget-ms`: off by default, set by flag, file key or variable, and refused unless it
/// is a positive number of milliseconds, naming the flag.
@Suite struct LatencyBudgetSettingsTests {
    static func resolve(_ arguments: [String], environment: [String: String] = [:]) throws -> ServiceConfiguration {
        try ServiceConfiguration.resolve(arguments: arguments, environment: environment).configuration
    }

    @Test func theBudgetIsOffByDefault() throws {
        #expect(try Self.resolve([]).latencyBudgetMilliseconds == nil)
        #expect(try Self.resolve([]).maxBatch == 64, "max-batch stays the size without a budget")
    }

    @Test(arguments: [(["--latency-budget-ms", "10"], 10.0), (["--latency-budget-ms=2.5"], 2.5)])
    func theFlagSetsTheBudget(_ arguments: [String], _ milliseconds: Double) throws {
        #expect(try Self.resolve(arguments).latencyBudgetMilliseconds == milliseconds)
    }

    @Test func theFileKeyAndTheVariableSetTheBudgetAndTheFlagWins() throws {
        let path = try SettingsTableTests.temporaryFile("latency-budget-ms = 7.5\nmax-batch = 256\n", suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try Self.resolve(["--config", path])
        #expect(fromFile.latencyBudgetMilliseconds == 7.5 && fromFile.maxBatch == 256)
        let fromVariable = try Self.resolve(["--config", path], environment: ["ANOMALY_LATENCY_BUDGET_MS": "12"])
        #expect(fromVariable.latencyBudgetMilliseconds == 12)
        #expect(try Self.resolve(["--config", path, "--latency-budget-ms", "3"]).latencyBudgetMilliseconds == 3)
    }

    @Test(arguments: ["0", "-5", "ten", "inf", "nan", "1e400"])
    func aBudgetThatIsNotAPositiveNumberIsRefusedNamingTheFlag(_ text: String) {
        #expect {
            _ = try Self.resolve(["--latency-budget-ms", text])
        } throws: { error in
            "\(error)".contains(
                "flag --latency-budget-ms: 'latency-budget-ms' must be a positive number of milliseconds"
            )
        }
    }

    @Test func aBudgetInTheFileThatIsNotANumberIsRefusedNamingTheKey() throws {
        let path = try SettingsTableTests.temporaryFile("latency-budget-ms = \"soon\"\n", suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try Self.resolve(["--config", path])
        } throws: { error in
            "\(error)".contains("latency-budget-ms")
        }
    }
}
