import Foundation
import TestSupport
import Testing

/// `anomaly-service score` as an operator runs it: predictions alone on standard output;
/// progress, unparseable lines and the summary table on standard error.
@Suite(.timeLimit(.minutes(2)))
struct ScoreCommandTests {
    static func temporaryFile(_ text: String, suffix: String = ".jsonl") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("score") + suffix).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A request of the data set schema; the label comes first or last.
    static func row(_ index: Int, source: String, attack: Bool) -> String {
        let query = attack ? "q=' OR 1=1 UNION SELECT password FROM users-- \(index)" : "q=shoes&page=\(index % 5)"
        let label = #""label":"\#(attack ? "attack" : "normal")""#
        let fields = #""id":"r-\#(index)","source":"\#(source)","path":"/search","query":"\#(query)""#
        return index % 2 == 0 ? "{\(label),\(fields)}" : "{\(fields),\(label)}"
    }

    /// The numbers of a summary row, commas dropped (`-` for a rate without a denominator).
    static func cells(_ line: Substring) -> [String] {
        line.split(separator: " ").map { $0.replacingOccurrences(of: ",", with: "") }
    }

    @Test func theSummaryCountsEveryLineAndTabulatesLabelsPerSource() throws {
        var lines: [String] = []
        var labels: [Int: (source: String, attack: Bool)] = [:]
        for index in 0..<300 {
            let source = index % 3 == 0 ? "scanner" : "shop"
            let attack = index % 4 == 0
            // Unparseable lines among labelled ones: each verdict must still meet its own label.
            if index % 50 == 7 { lines.append("garbage \(index)") }
            if index == 100 { lines.append("") }
            lines.append(Self.row(index, source: source, attack: attack))
            labels[lines.count] = (source, attack)
        }
        lines.append(#"{"path": 42}"#)
        lines.append(#"10.0.0.1 - - [25/Nov/2026:12:00:00 +0000] "GET /x?a=\x22b HTTP/1.1" 200 5 "-" "curl/8""#)
        let path = try Self.temporaryFile(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ServiceProcess.run(["score", "--model", TestModel.defaultModel, path])
        #expect(run.status == 0, "\(run.standardError)")

        var anomalous = 0
        var confusion: [String: [Int]] = [:]  // TP, FN, FP, TN
        for prediction in run.outputLines {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(prediction.utf8)) as? [String: Any])
            let flagged = try #require(json["anomalous"] as? Bool)
            let line = try #require((json["source"] as? [String: Any])?["line"] as? Int)
            if flagged { anomalous += 1 }
            guard let (source, attack) = labels[line] else { continue }
            let cell = attack ? (flagged ? 0 : 1) : (flagged ? 2 : 3)
            confusion[source, default: [0, 0, 0, 0]][cell] += 1
        }
        #expect(run.outputLines.count == 301)
        let summary = run.errorLines
        let row = { (name: String) in summary.first { Self.cells($0).first == name }.map(Self.cells) ?? [] }
        #expect(row("lines").dropFirst().first == "\(lines.count)")
        #expect(row("blank").dropFirst().first == "1")
        #expect(row("predicted").dropFirst().first == "301")
        #expect(row("anomalous").dropFirst().first == "\(anomalous)")
        #expect(row("unparseable").dropFirst().first == "7")
        #expect(row("clfMalformed").dropFirst().first == "6")
        #expect(row("wrongFieldType").dropFirst().first == "1")
        for (source, counts) in confusion {
            let cells = row(source)
            #expect(cells.count == 9, "\(summary)")
            #expect(cells[1] == "\(counts.reduce(0, +))")
            #expect(Array(cells[2..<6]) == counts.map(String.init), "\(source): \(summary)")
        }
        #expect(row("all").dropFirst(2).prefix(4).map { Int($0) ?? -1 }.reduce(0, +) == 300)
        // Each unparseable line is named by its own number.
        let named = summary.filter { $0.contains(": unparseable (") }.map {
            Int($0.split(separator: " ")[2].dropLast())
        }
        let garbage = lines.indices.filter { lines[$0].hasPrefix("garbage") || lines[$0].hasPrefix(#"{"path": 42"#) }
        #expect(named == garbage.map { $0 + 1 })
    }

    @Test func withoutATerminalProgressComesAsRateLinesOnStandardErrorOnly() throws {
        let request = #"{"path":"/search","query":"q=lamp"}"# + "\n"
        let chunk = String(repeating: request, count: 500)
        let run = try ServiceProcess.run(
            ["score", "--model", TestModel.defaultModel, "--progress-interval", "0.1"],
            input: [.init(chunk, pauseSeconds: 0.6), .init(chunk + "garbage\n", pauseSeconds: 0.6)]
        )
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.outputLines.count == 1_000)
        #expect(
            run.outputLines.allSatisfy { $0.hasPrefix(#"{"id":"#) && $0.hasSuffix("}}") },
            "stdout: predictions only"
        )
        let rates = run.errorLines.compactMap {
            $0.wholeMatch(of: /score: (\d+) lines, (\d+) lines\/s, (\d+) anomalous, (\d+) unparseable/)
        }
        #expect(rates.count >= 5, "one line per 0.1 s over more than a second: \(run.standardError)")
        let counted = rates.map { Int($0.output.1)! }
        #expect(counted == counted.sorted())
        #expect(counted.contains(500), "the count while the input stalls: \(counted)")
        #expect(!run.standardError.contains("\u{1B}["), "no terminal sequences in a log")
        #expect(run.errorLines.contains { $0.hasPrefix("score: 1,001 lines of -") })
    }

    @Test func onATerminalProgressIsABarRedrawnInPlaceAndClearedBeforeTheSummary() throws {
        let chunk = String(repeating: #"{"path":"/search","query":"q=lamp"}"# + "\n", count: 300)
        let run = try ServiceProcess.run(
            ["score", "--model", TestModel.defaultModel],
            input: [.init(chunk, pauseSeconds: 0.7), .init(chunk, pauseSeconds: 0.3)],
            terminal: true
        )
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.outputLines.count == 600)
        let frames = run.standardError.components(separatedBy: "\r").filter { $0.hasPrefix("score ") }
        #expect(frames.count >= 3, "redrawn five times a second: \(run.standardError.debugDescription)")
        #expect(frames.allSatisfy { $0.contains("lines/s") && $0.hasSuffix("\u{1B}[K") })
        #expect(run.standardError.contains("\r\u{1B}[Kscore: 600 lines of -"), "the bar is cleared first")
        #expect(!run.standardError.contains("lines/s, "), "no rate lines on a terminal")
    }

    @Test func noProgressWritesNothingButTheSummary() throws {
        let path = try Self.temporaryFile(#"{"path":"/"}"# + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ServiceProcess.run(["score", "--model", TestModel.defaultModel, path, "--no-progress"])
        #expect(run.status == 0)
        #expect(run.errorLines.first?.hasPrefix("score: 1 line of ") == true, "\(run.standardError)")
        #expect(!run.standardError.contains("lines/s,"))
    }
}
