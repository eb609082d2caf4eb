import Foundation

/// Streams float32 rows into a `.npy` file of shape `[rows, columns]` (or, made with
/// ``vector(path:descr:)``, elements of any fixed-size type into a one-dimensional array) whose
/// length is patched into the header when the writer is finished.
@safe public final class NumPyMatrixWriter {
    /// Row length; 0 for a one-dimensional array.
    public let columns: Int
    /// The NumPy dtype, e.g. `<f4`.
    let descr: String
    /// Rows written so far.
    public private(set) var rows = 0

    private let handle: FileHandle
    private let path: String
    private var pending = Data()
    private let flushBytes = 1 << 22

    /// Creates (or truncates) `path`.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io`` when the file cannot be created.
    public convenience init(path: String, columns: Int) throws(InferenceError) {
        try self.init(path: path, columns: columns, descr: "<f4")
    }

    /// A writer of a one-dimensional array of `descr` elements (e.g. `<i4`, `<u8`, `|i1`),
    /// appended with ``append(elements:)``.
    public static func vector(path: String, descr: String) throws(InferenceError) -> NumPyMatrixWriter {
        try NumPyMatrixWriter(path: path, columns: 0, descr: descr)
    }

    private init(path: String, columns: Int, descr: String) throws(InferenceError) {
        self.columns = columns
        self.descr = descr
        self.path = path
        guard
            FileManager.default.createFile(
                atPath: path,
                contents: Data(Self.header(descr: descr, rows: 0, columns: columns))
            ),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw .io("cannot create \(path)") }
        self.handle = handle
        do { try handle.seekToEnd() } catch { throw .io("cannot seek \(path): \(error)") }
        pending.reserveCapacity(flushBytes + columns * 4)
    }

    private static func header(descr: String, rows: Int, columns: Int) -> [UInt8] {
        NumPyFile.header(descr: descr, shape: columns == 0 ? [rows] : [rows, columns], length: 128)
    }

    /// Appends elements to a one-dimensional array; `T` must be the writer's dtype.
    public func append<T: BitwiseCopyable>(elements: Span<T>) throws(InferenceError) {
        precondition(columns == 0, "append(elements:) is for one-dimensional arrays")
        unsafe elements.withUnsafeBytes { bytes in unsafe pending.append(bytes.assumingMemoryBound(to: UInt8.self)) }
        rows += elements.count
        if pending.count >= flushBytes { try flush() }
    }

    /// Appends one row of exactly ``columns`` floats.
    public func append(_ row: Span<Float>) throws(InferenceError) {
        precondition(row.count == columns, "row has \(row.count) floats, not \(columns)")
        unsafe row.withUnsafeBufferPointer { row in unsafe pending.append(row) }
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
            try handle.write(contentsOf: Data(Self.header(descr: descr, rows: rows, columns: columns)))
            try handle.close()
        } catch {
            throw .io("cannot finish \(path): \(error)")
        }
    }
}
