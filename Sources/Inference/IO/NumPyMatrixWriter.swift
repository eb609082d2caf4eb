import Foundation

/// Streams float32 rows into a `.npy` file of shape `[rows, columns]` whose row count is patched
/// into the header when the writer is finished.
@safe public final class NumPyMatrixWriter {
    public let columns: Int
    /// Rows written so far.
    public private(set) var rows = 0

    private let handle: FileHandle
    private let path: String
    private var pending = Data()
    private let flushBytes = 1 << 22

    /// Creates (or truncates) `path`.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io`` when the file cannot be created.
    public init(path: String, columns: Int) throws(InferenceError) {
        self.columns = columns
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(Self.header(rows: 0, columns: columns))),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw .io("cannot create \(path)") }
        self.handle = handle
        do { try handle.seekToEnd() } catch { throw .io("cannot seek \(path): \(error)") }
        pending.reserveCapacity(flushBytes + columns * 4)
    }

    private static func header(rows: Int, columns: Int) -> [UInt8] {
        NumPyFile.header(descr: "<f4", shape: [rows, columns], length: 128)
    }

    /// Appends one row of exactly ``columns`` floats.
    public func append(_ row: UnsafeBufferPointer<Float>) throws(InferenceError) {
        precondition(row.count == columns, "row has \(row.count) floats, not \(columns)")
        unsafe pending.append(UnsafeBufferPointer(start: row.baseAddress, count: row.count))
        rows += 1
        if pending.count >= flushBytes { try flush() }
    }

    private func flush() throws(InferenceError) {
        do { try handle.write(contentsOf: pending) } catch { throw .io("cannot write \(path): \(error)") }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, patches the row count into the header and closes the file.
    public func finish() throws(InferenceError) {
        try flush()
        do {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(Self.header(rows: rows, columns: columns)))
            try handle.close()
        } catch {
            throw .io("cannot finish \(path): \(error)")
        }
    }
}
