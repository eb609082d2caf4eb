import Foundation
import Inference
import Testing

@Suite struct FileFormatTests {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("inference-tests-\(UUID().uuidString)-\(name)")
            .path
    }

    @Test func matrixWriterProducesANumPyFileWithThePatchedRowCount() throws {
        let path = temporaryPath("X.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try NumPyMatrixWriter(path: path, columns: 3)
        for row in 0..<5 {
            let values: [Float] = [Float(row), Float(row) + 0.5, -1]
            try writer.append(values.span)
        }
        try writer.finish()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.count == 128 + 5 * 3 * 4)
        let array = try NumPyFile.read(data)
        #expect(array.shape == [5, 3])
        #expect(array.values[3 * 4 + 1] == 4.5)
        #expect(array.values[2] == -1)
    }

    @Test func int8LabelsRoundTrip() throws {
        let array = try NumPyFile.read(NumPyFile.encode(int8: [1, 0, -1]))
        #expect(array.shape == [3])
        #expect(array.values == [1, 0, -1])
    }

    @Test func lineReaderSplitsLinesAndReportsOverlongOnes() throws {
        let path = temporaryPath("lines.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let long = String(repeating: "x", count: 300)
        let longerThanTheBuffer = String(repeating: "y", count: 100 + (1 << 16) + 10)
        try Data("a\r\n\nbc\n\(long)\n\(longerThanTheBuffer)\nlast".utf8).write(to: URL(fileURLWithPath: path))
        let reader = try LineReader(path: path, maxLineBytes: 100)
        var lines: [String?] = []
        var numbers: [Int] = []
        try reader.forEachLine { number, bytes in
            numbers.append(number)
            if let bytes { lines.append(String(decoding: bytes.array, as: UTF8.self)) } else { lines.append(nil) }
        }
        #expect(numbers == [1, 2, 3, 4, 5, 6])
        #expect(lines == ["a", "", "bc", nil, nil, "last"])
    }

    @Test func jsonTextEscapesQuotesAndControls() {
        #expect(JSONText.quoted("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
        #expect(JSONText.quoted(nil) == "null")
    }
}
