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

    @Test func refusesANonPositiveCount() throws {
        #expect(try emit(["--emit", "0"]).status != 0)
    }
}
