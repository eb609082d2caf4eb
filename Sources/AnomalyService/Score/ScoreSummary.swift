import Platform

/// What a `score` run counted, and the table written on standard error at its end.
struct ScoreSummary {
    /// The scoring loop's counts.
    struct Counts {
        /// Every line of the input, blank ones included.
        var lines = 0
        var blank = 0
        var predicted = 0
        var anomalous = 0
        /// Per reason code (the dead letter's `x-anomaly-error`): lines and the reason in words.
        var unparseable: [String: (lines: Int, detail: String)] = [:]
        var evaluation = Evaluation()

        var unparseableLines: Int { unparseable.values.reduce(0) { $0 + $1.lines } }

        mutating func addUnparseable(reason: String, detail: String) {
            unparseable[reason, default: (0, detail)].lines += 1
        }
    }

    let input: String
    let model: String
    let seconds: Double
    let counts: Counts

    /// The heading, the outcome of every line and, with labelled rows, the detection table:
    ///
    ///     score: 200,000 lines of requests.jsonl in 2.35 s (85,106 lines/s), model default@1
    ///
    ///       lines               200,000
    ///         blank                   0
    ///         predicted         199,924   99.96%
    ///           anomalous        19,876    9.94%
    ///           normal          180,048   90.06%
    ///         unparseable            76    0.04%
    ///           clfMalformed         76            the line is not a JSON object nor ...
    ///
    /// Shares are of the line above in the tree: predicted and unparseable of the non-blank lines,
    /// anomalous and normal of the predicted ones.
    func text() -> String {
        let rate = seconds > 0 ? Int((Double(counts.lines) / seconds).rounded()) : 0
        let noun = counts.lines == 1 ? "line" : "lines"
        var out = "score: \(NumberText.grouped(counts.lines)) \(noun) of \(input.escapedForLog)"
        out += " in \(NumberText.fixed(seconds, digits: 2)) s (\(NumberText.grouped(rate)) lines/s)"
        out += ", model \(model.escapedForLog)\n\n"
        let requests = counts.lines - counts.blank
        let unparseable = counts.unparseableLines
        var outcomes = TextTable([.left, .right, .right, .left])
        outcomes.append(["lines", NumberText.grouped(counts.lines)])
        outcomes.append(["  blank", NumberText.grouped(counts.blank)])
        outcomes.append(
            ["  predicted", NumberText.grouped(counts.predicted), NumberText.percent(counts.predicted, of: requests)]
        )
        for (name, value) in [("anomalous", counts.anomalous), ("normal", counts.predicted - counts.anomalous)] {
            outcomes.append(
                ["    " + name, NumberText.grouped(value), NumberText.percent(value, of: counts.predicted)]
            )
        }
        outcomes.append([
            "  unparseable", NumberText.grouped(unparseable), NumberText.percent(unparseable, of: requests),
        ])
        for (reason, entry) in counts.unparseable.sorted(by: { ($1.value.lines, $0.key) < ($0.value.lines, $1.key) }) {
            outcomes.append(["    " + reason.escapedForTable, NumberText.grouped(entry.lines), "", entry.detail])
        }
        out += outcomes.text()
        if counts.evaluation.isEmpty {
            out += "\n  no row carries a label: no detection table\n"
        } else {
            out += "\n" + counts.evaluation.table().text()
        }
        return out
    }
}
