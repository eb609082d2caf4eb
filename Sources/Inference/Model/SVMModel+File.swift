import Platform

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
    /// pipe, or larger than `maxBytes` (before it is read).
    private static func readFile(_ path: String, maxBytes: Int) throws(InferenceError) -> [UInt8] {
        do {
            let file = try FileContents(opening: path, name: path)
            guard file.size <= maxBytes else {
                throw InferenceError.modelTooLarge(
                    "the file is \(file.size) bytes, over the limit of \(maxBytes) bytes for a model file"
                )
            }
            return try file.readAll()
        } catch let error as InferenceError {
            throw error
        } catch {
            throw .io("\(error)")
        }
    }
}
