import Foundation
import Kafka
import Platform

/// Baseline (b): the naive Python seed design (bench/python_seed) draining preloaded requests from
/// the same embedded broker, one consumer process per CPU; its own result line is the figure.
struct PythonSeedRun {
    var count: Int
    var partitions: Int32
    var processes: Int
    /// An existing cluster instead of the embedded broker (`--brokers`).
    var brokers: String? = nil

    /// `bench/python_seed/setup.sh`: installs the pinned packages if missing, trains the seed's
    /// model if missing, prints the model path.
    static func prepare() throws -> String {
        let output = try run(["bash", "bench/python_seed/setup.sh"], timeoutSeconds: 900)
        guard let path = output.split(separator: "\n").last.map(String.init),
            FileManager.default.fileExists(atPath: path)
        else { throw BenchError("bench/python_seed/setup.sh printed no model path: \(output)") }
        return path
    }

    /// Preloads `count` generated requests (the same generator as the Swift drain) and runs the seed
    /// until it has delivered them all; returns its JSON result.
    func run(model: String) throws -> [String: Any] {
        let cluster = try BenchCluster(brokers: brokers, partitions: partitions)
        let group = "python-seed" + cluster.suffix
        try cluster.startAtInputEnd(group: group)
        try DrainRun.preload(cluster, count: count)
        let timeout = 60 + count / 100
        let output = try Self.run(
            [
                "python3", "bench/python_seed/seed_service.py", "--brokers", cluster.bootstrapServers, "--model", model,
                "--input", cluster.input, "--output", cluster.output, "--group", group,
                "--expect", String(count), "--processes", String(processes), "--timeout", String(timeout),
                "--log-level", "WARNING",
            ],
            timeoutSeconds: Double(timeout + 60)
        )
        guard let line = output.split(separator: "\n").last,
            let result = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw BenchError("python seed printed no result line: \(output)") }
        withExtendedLifetime(cluster) {}
        return result
    }

    /// Runs `arguments` (stderr passed through), returns stdout.
    static func run(_ arguments: [String], timeoutSeconds: Double) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // The output is a few lines (logs go to stderr), well under the pipe's buffer, so it is
        // read once the process has ended.
        let deadline = Clock.seconds() + timeoutSeconds
        while process.isRunning {
            if Clock.seconds() > deadline {
                process.terminate()
                break
            }
            sleepThread(for: .milliseconds(50))
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
