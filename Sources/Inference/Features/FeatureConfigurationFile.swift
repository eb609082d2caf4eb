import Platform

/// A `feature_config.json` file, as `featurize` writes it and `featurize --feature-config` and
/// `score --feature-config` read it: a part configuration (``PartFeatureConfiguration``,
/// `http-parts-v3`) or a whole-request one (``FeatureConfiguration``, `http-ngram-v1/v2`), told
/// apart by its `extractor`.
public enum FeatureConfigurationFile: Sendable, Equatable {
    case parts(PartFeatureConfiguration)
    case whole(FeatureConfiguration)

    /// Larger than any configuration (they are a few hundred bytes): refused unread.
    public static let maxFileBytes = 1 << 20

    /// Reads and decodes the file at `path`.
    ///
    /// - Throws: ``InferenceError`` naming `path`: ``InferenceError/Code/io`` when it cannot be
    ///   read (missing, a directory, no permission, over ``maxFileBytes``),
    ///   ``InferenceError/Code/featureMismatch`` when it is not a configuration this build implements.
    public init(contentsOf path: String) throws(InferenceError) {
        let bytes = try Self.contents(of: path)
        do {
            self =
                PartFeatureConfiguration.isPartConfiguration(bytes: bytes)
                ? .parts(try PartFeatureConfiguration.decode(bytes: bytes))
                : .whole(try FeatureConfiguration.decode(bytes: bytes))
        } catch {
            // "feature configuration does not decode: …" says "it" here, the file being named.
            var reason = error.reason
            for prefix in ["part feature configuration ", "feature configuration "] where reason.hasPrefix(prefix) {
                reason = "it " + reason.dropFirst(prefix.count)
                break
            }
            throw .featureMismatch("feature configuration '\(path)' refused: \(reason)")
        }
    }

    /// The configuration as the model header and `featurize` store it.
    public func canonicalJSON() -> String {
        switch self {
        case .parts(let configuration): configuration.canonicalJSON()
        case .whole(let configuration): configuration.canonicalJSON()
        }
    }

    /// The whole file, refused with a reason naming it when it is not a regular file of at most
    /// ``maxFileBytes``: a directory would fail with a bare "error 21", a FIFO block forever.
    private static func contents(of path: String) throws(InferenceError) -> [UInt8] {
        do {
            return try FileContents.read(path, maxBytes: maxFileBytes, kind: "feature configuration")
        } catch {
            throw .io(error.description)
        }
    }
}
