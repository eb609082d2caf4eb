import Foundation
import Platform

/// A child process run to its end under GNU `time`, which reports its peak resident set
/// (`ru_maxrss` from `wait4`) however briefly it held it: a process that allocates and exits
/// within milliseconds leaves nothing to sample in `/proc`.
///
/// Why not `wait4` here: Linux carries a process's memory high-water mark into what it spawns
/// (an exec after `vfork` records the parent's), so a child of the test process reports at least
/// the test process's own peak. `time` is small, and the child it forks starts clean.
public struct MeasuredRun {
    /// GNU time (Debian package `time`, installed by `scripts/setup.sh`).
    public static let timeCommand = "/usr/bin/time"

    /// The exit status, or 128 + the signal that ended the process.
    public let status: Int32
    public let peakResidentBytes: Int
    /// Standard output and standard error together, without `time`'s report.
    public let output: String

    /// Runs `executable` with `arguments`, killing it after `timeoutSeconds`.
    public static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Double) throws -> MeasuredRun {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("run") + ".log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: timeCommand)
        process.arguments = ["-f", "\(marker)%M", executable] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = MonotonicDeadline.after(.milliseconds(Int64(timeoutSeconds * 1_000)))
        while process.isRunning && !deadline.hasPassed { sleepThread(for: .milliseconds(10)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try log.close()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        guard let report = text.range(of: marker, options: .backwards),
            let kilobytes = Int(text[report.upperBound...].prefix { $0.isNumber })
        else {
            throw MeasurementError(reason: "no peak memory report from \(timeCommand): \(text.suffix(500))")
        }
        // `time` also says "Command exited with non-zero status N" before its report.
        let output = text[..<report.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .filter {
                !$0.hasPrefix("Command exited with non-zero status") && !$0.hasPrefix("Command terminated by signal")
            }
            .joined(separator: "\n")
        // Linux reports kilobytes.
        return MeasuredRun(status: process.terminationStatus, peakResidentBytes: kilobytes * 1_024, output: output)
    }

    private static let marker = "measured-peak-rss-kb="

    struct MeasurementError: Error {
        let reason: String
    }
}
