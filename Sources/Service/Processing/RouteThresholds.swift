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
    public private(set) var rules: [Rule] = []
    private var prefixBytes: [[UInt8]] = []

    public init(_ rules: [Rule] = []) {
        for rule in rules { set(rule.prefix, rule.threshold) }
    }

    /// Adds or replaces the rule for `prefix`.
    public mutating func set(_ prefix: String, _ threshold: Float) {
        rules.removeAll { $0.prefix == prefix }
        rules.append(Rule(prefix: prefix, threshold: threshold))
        rules.sort {
            $0.prefix.utf8.count != $1.prefix.utf8.count
                ? $0.prefix.utf8.count > $1.prefix.utf8.count : $0.prefix < $1.prefix
        }
        prefixBytes = rules.map { Array($0.prefix.utf8) }
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// The index in ``rules`` of the longest prefix of `path`, or nil.
    public func rule(forPath path: UnsafeBufferPointer<UInt8>) -> Int? {
        for (index, prefix) in prefixBytes.enumerated() where prefix.count <= path.count {
            var matches = true
            for offset in 0..<prefix.count where unsafe path[offset] != prefix[offset] {
                matches = false
                break
            }
            if matches { return index }
        }
        return nil
    }
}
