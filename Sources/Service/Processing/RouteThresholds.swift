/// Thresholds per route: a request whose path starts with a prefix is judged against that
/// prefix's threshold instead of the model's (the longest matching prefix wins). From the
/// configuration file's `[thresholds]` table or `serve --threshold PREFIX=VALUE`.
///
/// An operator tightens a sensitive area (`/admin` at a lower threshold) or quiets a noisy one
/// (`/search` at a higher threshold) without retraining; the prediction's `threshold` field says
/// which threshold applied.
public struct RouteThresholds: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var prefix: String
        public var threshold: Float

        public init(prefix: String, threshold: Float) {
            self.prefix = prefix
            self.threshold = threshold
        }
    }

    /// Longest prefix first, so the first match is the most specific.
    package private(set) var rules: [Rule] = []
    private var prefixBytes: [[UInt8]] = []

    public init(_ rules: [Rule] = []) {
        for rule in rules { set(rule.prefix, rule.threshold) }
    }

    /// Adds or replaces the rule for `prefix`.
    mutating func set(_ prefix: String, _ threshold: Float) {
        rules.removeAll { $0.prefix == prefix }
        rules.append(Rule(prefix: prefix, threshold: threshold))
        rules.sort {
            $0.prefix.utf8.count != $1.prefix.utf8.count
                ? $0.prefix.utf8.count > $1.prefix.utf8.count : $0.prefix < $1.prefix
        }
        prefixBytes = rules.map { Array($0.prefix.utf8) }
    }

    /// Adds or replaces the rule for `prefix` from configuration text, naming `source` (a file
    /// and line, or a flag) in the error.
    ///
    /// - Throws: ``ServiceError`` when `prefix` does not start with `/` or `text` is not a finite number.
    mutating func set(_ prefix: String, _ text: String, source: String) throws(ServiceError) {
        guard prefix.hasPrefix("/") else {
            throw .configuration("\(source): threshold route '\(prefix)' must be a path prefix starting with '/'")
        }
        guard let value = Float(text), value.isFinite else {
            throw .configuration("\(source): threshold for '\(prefix)' must be a number, got '\(text)'")
        }
        set(prefix, value)
    }

    /// Adds or replaces a rule written `PREFIX=VALUE` (the `--threshold` flag of `serve` and `score`).
    ///
    /// - Throws: ``ServiceError`` naming `source` when `rule` is not `PREFIX=VALUE` with a valid prefix and value.
    public mutating func set(rule: String, source: String) throws(ServiceError) {
        let parts = rule.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw .configuration("\(source): '\(rule)' is not PREFIX=VALUE") }
        try set(parts[0], parts[1], source: source)
    }

    var isEmpty: Bool { rules.isEmpty }

    /// The index in ``rules`` of the longest prefix of `path`, or nil.
    package func rule(forPath path: Span<UInt8>) -> Int? {
        for (index, prefix) in prefixBytes.enumerated() where prefix.count <= path.count {
            var matches = true
            for offset in 0..<prefix.count where path[offset] != prefix[offset] {
                matches = false
                break
            }
            if matches { return index }
        }
        return nil
    }
}
