#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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

    private var descriptor: Int32
    private let path: String
    private var pending: [UInt8] = []
    /// Bytes written to the file so far.
    private var written = 0
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
        descriptor = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .io("cannot create \(path): \(Self.lastErrorText())") }
        pending.reserveCapacity(flushBytes + columns * 4)
        pending += Self.header(descr: descr, rows: 0, columns: columns)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    private static func header(descr: String, rows: Int, columns: Int) -> [UInt8] {
        NumPyFile.header(descr: descr, shape: columns == 0 ? [rows] : [rows, columns], length: 128)
    }

    /// Appends elements to a one-dimensional array; `T` must be the writer's dtype.
    public func append<T: BitwiseCopyable>(elements: Span<T>) throws(InferenceError) {
        precondition(columns == 0, "append(elements:) is for one-dimensional arrays")
        unsafe elements.withUnsafeBytes { bytes in unsafe pending.append(contentsOf: bytes) }
        rows += elements.count
        if pending.count >= flushBytes { try flush() }
    }

    /// Appends one row of exactly ``columns`` floats.
    public func append(_ row: Span<Float>) throws(InferenceError) {
        precondition(row.count == columns, "row has \(row.count) floats, not \(columns)")
        unsafe row.withUnsafeBytes { row in unsafe pending.append(contentsOf: row) }
        rows += 1
        if pending.count >= flushBytes { try flush() }
    }

    private func flush() throws(InferenceError) {
        try write(pending, at: written)
        written += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` at `offset`.
    private func write(_ bytes: [UInt8], at offset: Int) throws(InferenceError) {
        var done = 0
        while done < bytes.count {
            let wrote = unsafe bytes.withUnsafeBytes { buffer in
                unsafe pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if wrote < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(Self.lastErrorText())")
            }
            done += wrote
        }
    }

    /// Writes what is buffered, patches the row count into the header and closes the file.
    public func finish() throws(InferenceError) {
        try flush()
        try write(Self.header(descr: descr, rows: rows, columns: columns), at: 0)
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else { throw .io("cannot finish \(path): \(Self.lastErrorText())") }
    }

    private static func lastErrorText() -> String { unsafe String(cString: strerror(errno)) }
}
