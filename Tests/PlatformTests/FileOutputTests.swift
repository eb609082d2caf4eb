import Foundation
import Platform
import Testing

@Suite struct FileOutputTests {
    private static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("file-output-\(UUID().uuidString)").path
    }

    @Test func writesEverythingAndTruncatesAnExistingFile() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("an older, longer file".utf8).write(to: URL(fileURLWithPath: path))
        let file = try FileOutput(creating: path)
        let large = [UInt8](repeating: 0x61, count: 3 << 20)
        try file.write(large.span)
        try file.write("\nend\n")
        try file.close()
        try file.close()  // a second close does nothing
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count == large.count + 5)
        #expect(written.suffix(5) == Data("\nend\n".utf8))
        #expect(written.prefix(large.count).allSatisfy { $0 == 0x61 })
    }

    @Test func aFileThatCannotBeCreatedIsAFileErrorNamingIt() {
        let path = "/nonexistent-\(UUID().uuidString)/out.txt"
        #expect {
            _ = try FileOutput(creating: path)
        } throws: { error in
            guard let error = error as? PlatformError else { return false }
            return error.code == .file && error.reason == "cannot create \(path)" && error.systemError == ENOENT
        }
    }
}
