/// A Prometheus text exposition, parsed into samples for the endpoint tests.
public struct PrometheusText: Sendable {
    /// Every sample line: series name, its label set as written (`{le="0.5"}` or empty), value.
    public let samples: [(name: String, labels: String, value: Double)]

    public init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return nil }
            let series = line[..<space]
            guard let value = Double(line[line.index(after: space)...]) else { return nil }
            let brace = series.firstIndex(of: "{") ?? series.endIndex
            return (String(series[..<brace]), String(series[brace...]), value)
        }
    }

    /// The value of `name` with exactly `labels` (as written, e.g. `{le="+Inf"}`), or nil.
    public func value(_ name: String, labels: String = "") -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// A histogram's cumulative buckets in the order written: each `le` bound (`+Inf` last) and
    /// its count.
    public func buckets(_ histogram: String) -> [(le: String, count: Double)] {
        samples.filter { $0.name == histogram + "_bucket" }.map { sample in
            let le = sample.labels.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
            return (le, sample.value)
        }
    }

    /// Whether a histogram is well formed: bounds ascending up to `+Inf`, counts never falling,
    /// and the `+Inf` count equal to `_count`.
    public func isWellFormedHistogram(_ histogram: String) -> Bool {
        let buckets = buckets(histogram)
        guard let last = buckets.last, last.le == "+Inf", last.count == value(histogram + "_count") else {
            return false
        }
        let bounds = buckets.dropLast().compactMap { Double($0.le) }
        guard bounds.count == buckets.count - 1, zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return false
        }
        return zip(buckets, buckets.dropFirst()).allSatisfy { $0.count <= $1.count }
    }
}
