import Platform

/// Confusion matrices per `source` of labelled rows: how a model's verdicts compare with the
/// labels of a data set.
struct Evaluation {
    struct Counts {
        var truePositives = 0
        var falsePositives = 0
        var trueNegatives = 0
        var falseNegatives = 0

        var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

        mutating func add(attack: Bool, flagged: Bool) {
            switch (attack, flagged) {
            case (true, true): truePositives += 1
            case (true, false): falseNegatives += 1
            case (false, true): falsePositives += 1
            case (false, false): trueNegatives += 1
            }
        }

        static func + (a: Counts, b: Counts) -> Counts {
            Counts(
                truePositives: a.truePositives + b.truePositives,
                falsePositives: a.falsePositives + b.falsePositives,
                trueNegatives: a.trueNegatives + b.trueNegatives,
                falseNegatives: a.falseNegatives + b.falseNegatives
            )
        }
    }

    private(set) var bySource: [String: Counts] = [:]

    var isEmpty: Bool { bySource.isEmpty }

    mutating func add(source: String, attack: Bool, flagged: Bool) {
        bySource[source, default: Counts()].add(attack: attack, flagged: flagged)
    }

    /// One row per source, by name, and `all` when there are several: labelled rows, TP, FN, FP,
    /// TN, detection rate (recall), false-positive rate and F1.
    func table() -> TextTable {
        var table = TextTable([.left, .right, .right, .right, .right, .right, .right, .right, .right])
        table.append(["source", "labelled", "TP", "FN", "FP", "TN", "detection", "FPR", "F1"])
        let total = bySource.values.reduce(Counts(), +)
        for (name, counts) in bySource.sorted(by: { $0.key < $1.key }) + (bySource.count > 1 ? [("all", total)] : []) {
            let tp = counts.truePositives
            let fn = counts.falseNegatives
            let fp = counts.falsePositives
            table.append(
                [name.escapedForTable]
                    + [counts.total, tp, fn, fp, counts.trueNegatives].map(NumberText.grouped)
                    + [
                        NumberText.percent(tp, of: tp + fn), NumberText.percent(fp, of: fp + counts.trueNegatives),
                        NumberText.percent(2 * tp, of: 2 * tp + fp + fn),
                    ]
            )
        }
        return table
    }
}

extension String {
    /// A name from the input (a row's `source`) made safe for one table cell: no control
    /// characters to break the line or drive the terminal, at most 40 characters.
    var escapedForTable: String {
        let escaped = escapedForLog
        return escaped.count <= 40 ? escaped : String(escaped.prefix(39)) + "…"
    }
}
