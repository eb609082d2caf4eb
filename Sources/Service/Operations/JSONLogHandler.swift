import FoundationEssentials
import Logging
import Platform
import Synchronization

/// A swift-log handler writing one JSON object per line to standard error, for log shippers
/// (`serve --log-format json`): `{"ts":"…","level":"…","label":"…","message":"…","source":"…",
/// "metadata":{…}}`. Lines are written whole under a lock, so threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private static let output = Mutex<Void>(())

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Line(
            ts: Date.now.formatted(.iso8601),
            level: event.level.rawValue,
            label: label,
            message: "\(event.message)",
            source: event.source,
            metadata: merged.isEmpty ? nil : merged.mapValues { "\($0)" }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(line) else { return }
        let text = String(decoding: json, as: UTF8.self) + "\n"
        Self.output.withLock { _ in writeToStandardError(text) }
    }

    /// One log line's fields (a nil `metadata` is left out).
    private struct Line: Encodable {
        var ts: String
        var level: String
        var label: String
        var message: String
        var source: String
        var metadata: [String: String]?
    }
}
