import Foundation
import Platform
import Service

/// The built `anomaly-service` executable, run as a child process against the test's broker.
public final class ServiceProcess {
    public let process = Process()
    public let logPath: String

    /// The executable next to the test bundle (`swift build --build-tests` builds both).
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("anomaly-service")
    }

    /// `anomaly-service serve` against `configuration`'s broker and topics, plus `extra` flags;
    /// `environment` entries are added to the test's own environment.
    public convenience init(
        _ configuration: ServiceConfiguration,
        extra: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        try self.init(arguments: Self.arguments(configuration, extra: extra), environment: environment)
    }

    /// `anomaly-service` with `arguments` (any subcommand), its output going to ``log``; another
    /// program (a broker the test needs) when `executablePath` is given.
    public init(arguments: [String], environment: [String: String] = [:], executablePath: String? = nil) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("serve") + ".log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = executablePath.map { URL(fileURLWithPath: $0) } ?? Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// The `serve` command line for `configuration`, then `extra`.
    public static func arguments(_ configuration: ServiceConfiguration, extra: [String] = []) -> [String] {
        [
            "serve", "--bootstrap-server", configuration.brokers, "--group", configuration.group,
            "--input", configuration.input, "--output", configuration.output,
            "--dead-letter", configuration.deadLetter, "--model", configuration.model,
            "--workers", String(configuration.workers ?? 2), "--no-pin", "--log-level", "info",
            "--kafka-consumer", "session.timeout.ms=6000", "--kafka-consumer", "heartbeat.interval.ms=500",
        ] + extra
    }

    /// The process's resident set now and its peak so far (`VmRSS`, `VmHWM`), or nil once it has
    /// exited.
    public var residentBytes: (current: Int, peak: Int)? {
        ProcessMemory.residentBytes(ofProcess: process.processIdentifier)
    }

    /// The process's peak resident set so far, or nil once it has exited.
    public var peakResidentBytes: Int? { residentBytes?.peak }

    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func terminate() {
        kill(process.processIdentifier, SIGTERM)
    }

    /// Sends `signal` (SIGHUP, SIGINT, ...) to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits up to `seconds` for the process to exit; its status, or nil if it is still running.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = MonotonicDeadline.after(.milliseconds(Int64(seconds * 1_000)))
        while process.isRunning && !deadline.hasPassed { sleepThread(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { kill9() }
    }
}
