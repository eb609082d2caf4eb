extension ScoreProgress {
    /// The counts at one moment, and how they are shown.
    struct Snapshot {
        var lines: Int
        var bytes: Int
        var anomalous: Int
        var unparseable: Int
        /// The input's size, when known: the bar and the share done.
        var totalBytes: Int?
        /// Since scoring started.
        var seconds: Double

        /// How much of the input is read, when its size is known.
        var fraction: Double? { totalBytes.map { min(1, Double(bytes) / Double($0)) } }

        /// A progress line for a log, plain numbers for grepping:
        /// `score: 120000 lines (48.0%), 24012 lines/s, 11843 anomalous, 3 unparseable`.
        func line(rate: Double) -> String {
            let share = fraction.map { " (\(NumberText.percent($0, digits: 1)))" } ?? ""
            return
                "score: \(lines) lines\(share), \(Int(rate.rounded())) lines/s, \(anomalous) anomalous, \(unparseable) unparseable"
        }

        /// The terminal's bar line, at most `width - 1` columns (the last column would wrap):
        /// `score [######......]  48%  120,000 lines  24,012 lines/s  11,843 anomalous  3 unparseable  ETA 0:05`.
        func bar(width: Int) -> String {
            let rate = seconds > 0 ? Double(lines) / seconds : 0
            var stats = "  \(NumberText.grouped(lines)) lines  \(NumberText.grouped(Int(rate.rounded()))) lines/s"
            stats += "  \(NumberText.grouped(anomalous)) anomalous  \(NumberText.grouped(unparseable)) unparseable"
            guard let fraction else {
                return Self.fitted("score" + stats + "  " + NumberText.clock(seconds), width: width)
            }
            let done = NumberText.percent(fraction, digits: 0)
            let byteRate = seconds > 0 ? Double(bytes) / seconds : 0
            if fraction < 1, byteRate > 0, let totalBytes {
                stats += "  ETA " + NumberText.clock(Double(totalBytes - bytes) / byteRate)
            }
            let prefix = "score ["
            let suffix = "] " + String(repeating: " ", count: max(0, 4 - done.count)) + done + stats
            // A bar of fixed width, so it does not shrink as the numbers grow.
            let cells = min(24, width - 1 - prefix.count - suffix.count)
            guard cells >= 10 else { return Self.fitted("score " + done + stats, width: width) }
            let filled = Int((Double(cells) * fraction).rounded(.down))
            return prefix + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled)
                + suffix
        }

        private static func fitted(_ text: String, width: Int) -> String {
            text.count < width ? text : String(text.prefix(max(0, width - 1)))
        }
    }
}
