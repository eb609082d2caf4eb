#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SVMModel {
    /// Reads and validates the model file at `path`.
    ///
    /// The file's size is checked before it is read: a file larger than any frame of `maxBytes`
    /// of content could be is refused without reading it.
    ///
    /// - Parameters:
    ///   - path: a `.model` file.
    ///   - expected: when given, the model's `feature_config` must equal it.
    ///   - maxBytes: the largest decoded payload accepted (see ``init(fileBytes:expecting:maxBytes:)``).
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io``, ``InferenceError/Code/invalidModel``,
    ///   ``InferenceError/Code/modelTooLarge`` or ``InferenceError/Code/featureMismatch``.
    public init(
        contentsOf path: String,
        expecting expected: FeatureConfiguration? = nil,
        maxBytes: Int = SVMModel.defaultMaxBytes
    ) throws(InferenceError) {
        let bytes = try Self.readFile(path, maxBytes: Self.fileMagic.count + LZ4Frame.maxFrame(ofContent: maxBytes))
        try self.init(fileBytes: bytes, expecting: expected, maxBytes: maxBytes)
    }

    /// The bytes of the regular file at `path`, refused when it is a directory, a device or a
    /// pipe, or larger than `maxBytes`.
    private static func readFile(_ path: String, maxBytes: Int) throws(InferenceError) -> [UInt8] {
        // A directory opens and fails only at its first read, and a device may never end: say
        // what it is instead. `stat` follows links, so a link is judged by what it points to.
        var status = stat()
        if unsafe stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { throw .io("cannot read \(path): is a directory") }
            if status.st_mode & S_IFMT != S_IFREG { throw .io("cannot read \(path): not a regular file") }
        }
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        // The system's message says why: no such file, permission denied...
        guard descriptor >= 0 else { throw .io("cannot read \(path): \(Self.lastErrorText())") }
        defer { close(descriptor) }
        // The size of the file opened, which a rename since the `stat` above may have replaced.
        guard unsafe fstat(descriptor, &status) == 0 else { throw .io("cannot read \(path): \(Self.lastErrorText())") }
        let size = Int(status.st_size)
        guard size <= maxBytes else {
            throw .modelTooLarge("the file is \(size) bytes, over the limit of \(maxBytes) bytes for a model file")
        }
        // At most the size seen: a file still growing reads as truncated and is refused.
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let got = unsafe bytes.withUnsafeMutableBytes { buffer in
                unsafe read(descriptor, buffer.baseAddress! + filled, size - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(Self.lastErrorText())")
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(size - filled)
        return bytes
    }

    private static func lastErrorText() -> String { unsafe String(cString: strerror(errno)) }
}
