import Foundation

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
        // Reading a directory fails with a bare "error 256", and a device may never end: say what
        // it is instead. Resource values describe a link itself, so resolve links first.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        if let kind = try? resolved.resourceValues(forKeys: [.isDirectoryKey, .isRegularFileKey]) {
            if kind.isDirectory == true { throw .io("cannot read \(path): is a directory") }
            if kind.isRegularFile == false { throw .io("cannot read \(path): not a regular file") }
        }
        let handle: FileHandle
        let size: UInt64
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            size = try handle.seekToEnd()
        } catch {
            // Foundation's message says why: no such file, permission denied...
            throw .io("cannot read \(path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        guard size <= UInt64(maxBytes) else {
            throw .modelTooLarge("the file is \(size) bytes, over the limit of \(maxBytes) bytes for a model file")
        }
        do {
            try handle.seek(toOffset: 0)
            // At most the size seen: a file still growing reads as truncated and is refused.
            return [UInt8](try handle.read(upToCount: Int(size)) ?? Data())
        } catch {
            throw .io("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
