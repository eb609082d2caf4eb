import Foundation
import Inference
import TestSupport
import Testing

/// `anomaly-service demo --emit N`: the demo shop's traffic as a file, for `training.train --benign`.
@Suite struct TrafficEmitTests {
    func emit(_ arguments: [String]) throws -> (lines: [String], status: Int32) {
        let process = Process()
        process.executableURL = ServiceProcess.executable
        process.arguments = ["demo"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        return (lines, process.terminationStatus)
    }

    @Test func emitsExactlyTheRequestedParseableRequests() throws {
        let (lines, status) = try emit(["--emit", "300", "--attack-share", "0"])
        #expect(status == 0)
        #expect(lines.count == 300)
        let parser = RequestParser()
        let request = ParsedRequest()
        for line in lines {
            #expect(throws: Never.self) { try parser.parse(Array(line.utf8), into: request) }
        }
        // Deterministic for a seed; another seed gives other traffic.
        #expect(try emit(["--emit", "300", "--attack-share", "0"]).lines == lines)
        #expect(try emit(["--emit", "300", "--attack-share", "0", "--emit-seed", "8"]).lines != lines)
    }

    /// The help promises no malformed lines: every one of 200,000, attacks included (quotes and
    /// backslashes in their payloads), parses with the service's parser, in both forms.
    @Test func everyOneOfTwoHundredThousandEmittedLinesParses() throws {
        let (lines, status) = try emit(["--emit", "200000"])
        #expect(status == 0)
        #expect(lines.count == 200_000)
        let parser = RequestParser()
        let request = ParsedRequest()
        var failures: [String] = []
        var accessLogLines = 0
        var quotesInAccessLogs = 0
        for line in lines {
            let bytes = Array(line.utf8)
            if let reason = parser.parseReason(bytes.span, into: request) {
                failures.append("\(reason): \(line)")
                continue
            }
            guard !line.hasPrefix("{") else { continue }
            accessLogLines += 1
            if line.contains(#"\x22"#) {
                // As nginx writes a quote; it reads back as the quote the client sent.
                #expect(request.string(.query)?.contains("\"") == true, "\(line)")
                quotesInAccessLogs += 1
            }
        }
        #expect(failures.isEmpty, "\(failures.count) malformed, e.g. \(failures.prefix(3))")
        #expect(accessLogLines > 20_000 && accessLogLines < lines.count / 2, "JSON objects and access-log lines")
        #expect(quotesInAccessLogs > 0, "the escaped payloads were among them")
    }

    @Test func refusesANonPositiveCount() throws {
        #expect(try emit(["--emit", "0"]).status != 0)
    }
}
