import ArgumentParser
import Foundation
import Inference

/// `anomaly-service score`: offline scoring of JSONL (data set schema or input contract) or CLF
/// lines, one contract prediction per line on standard output; with labelled rows, a confusion
/// matrix, detection rate, false-positive rate and F1 per `source` on standard error.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score requests offline with a model file; print one prediction per line.",
        discussion: """
            Unparseable lines are reported on standard error with their reason and counted; none is \
            dropped silently. Predictions carry "source": {"file": ..., "line": ...}.
            """
    )

    @Option(help: "The .model file.")
    var model: String

    @Argument(help: "JSON-lines or CLF file; - reads standard input.")
    var input: String = "-"

    @Option(help: "Rows per BLAS micro-batch.")
    var batch: Int = 64

    @Option(help: "Refuse the model unless its feature_config equals this feature_config.json.")
    var featureConfig: String?

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
    }

    func run() throws {
        let expected: FeatureConfiguration? =
            if let featureConfig {
                try FeatureConfiguration.decode(Data(contentsOf: URL(fileURLWithPath: featureConfig)))
            } else {
                nil
            }
        let svm = try SVMModel(contentsOf: model, expecting: expected)
        let extractor = try FeatureExtractor(configuration: svm.featureConfiguration())
        BLAS.useSingleThread()
        let started = Date()
        var scoring = OfflineScoring(model: svm, extractor: extractor, batch: batch)
        try scoring.runToEnd(input: input)
        let seconds = Date().timeIntervalSince(started)
        var report =
            "score: \(scoring.scored) requests scored, \(scoring.unparseable) unparseable, model \(svm.identifier), "
        report += String(format: "%.2f s\n", seconds)
        report += scoring.evaluation.table()
        FileHandle.standardError.write(Data(report.utf8))
    }
}

/// The offline scoring loop: parse into one reusable request, extract into the scorer's rows,
/// score full batches.
private struct OfflineScoring {
    struct Pending {
        var id: String
        var line: Int
        var label: Int8
        var source: String
    }

    let model: SVMModel
    let extractor: FeatureExtractor
    let scorer: BatchScorer
    let parser = RequestParser()
    let request = ParsedRequest()
    var pending: [Pending] = []
    var output = Data()
    var evaluation = Evaluation()
    var scored = 0
    var unparseable = 0
    let modelText: String
    let thresholdText: String
    var fileText = ""

    init(model: SVMModel, extractor: FeatureExtractor, batch: Int) {
        self.model = model
        self.extractor = extractor
        scorer = BatchScorer(model: model, maxBatch: batch)
        pending.reserveCapacity(batch)
        modelText = JSONText.quoted(model.identifier)
        thresholdText = "\(model.threshold)"
    }

    mutating func run(input: String) throws {
        let reader = try LineReader(path: input)
        let fileName = input == "-" ? "-" : URL(fileURLWithPath: input).lastPathComponent
        fileText = JSONText.quoted(input)
        try unsafe reader.forEachLine { lineNumber, bytes in
            guard let bytes = unsafe bytes else {
                report(line: lineNumber, reason: .tooLarge)
                return
            }
            if unsafe bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            if let reason = unsafe parser.parseReason(bytes, into: request) {
                report(line: lineNumber, reason: reason)
                return
            }
            unsafe extractor.extract(request, into: scorer.row(pending.count))
            pending.append(
                Pending(
                    id: request.string(.id) ?? "\(fileName):\(lineNumber)",
                    line: lineNumber,
                    label: request.label,
                    source: request.string(.source) ?? "-"
                )
            )
            if pending.count == scorer.maxBatch { try flush() }
        }
        try flush()
    }

    private mutating func report(line: Int, reason: RequestParseError) {
        unparseable += 1
        FileHandle.standardError.write(Data("score: line \(line): unparseable (\(reason))\n".utf8))
    }

    private mutating func flush() throws {
        guard !pending.isEmpty else { return }
        let decisions = unsafe scorer.score(count: pending.count)
        for (index, row) in pending.enumerated() {
            let decision = unsafe decisions[index]
            let anomalous = decision > model.threshold
            var line = "{\"id\":\(JSONText.quoted(row.id)),\"anomalous\":\(anomalous),\"score\":\(decision),"
            line += "\"threshold\":\(thresholdText),\"model\":\(modelText),"
            line += "\"source\":{\"file\":\(fileText),\"line\":\(row.line)}}\n"
            output.append(contentsOf: line.utf8)
            if row.label >= 0 { evaluation.add(source: row.source, attack: row.label == 1, flagged: anomalous) }
        }
        scored += pending.count
        pending.removeAll(keepingCapacity: true)
        if output.count >= 1 << 20 {
            try FileHandle.standardOutput.write(contentsOf: output)
            output.removeAll(keepingCapacity: true)
        }
    }

    mutating func finish() throws {
        try FileHandle.standardOutput.write(contentsOf: output)
        output.removeAll()
    }
}

extension OfflineScoring {
    fileprivate mutating func runToEnd(input: String) throws {
        try run(input: input)
        try finish()
    }
}

/// Confusion matrices per `source` of labelled rows.
struct Evaluation {
    struct Counts {
        var truePositives = 0
        var falsePositives = 0
        var trueNegatives = 0
        var falseNegatives = 0

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

    var bySource: [String: Counts] = [:]

    mutating func add(source: String, attack: Bool, flagged: Bool) {
        bySource[source, default: Counts()].add(attack: attack, flagged: flagged)
    }

    /// The table, or an empty string when no row was labelled.
    func table() -> String {
        guard !bySource.isEmpty else { return "" }
        func percent(_ numerator: Int, _ denominator: Int) -> String {
            denominator == 0 ? "     -" : String(format: "%6.2f", 100 * Double(numerator) / Double(denominator))
        }
        var text = "source                  TP      FN      FP      TN   det%   FPR%    F1%\n"
        let total = bySource.values.reduce(Counts(), +)
        for (name, counts) in bySource.sorted(by: { $0.key < $1.key }) + (bySource.count > 1 ? [("all", total)] : []) {
            let padded =
                name.count >= 18 ? String(name.prefix(18)) : name + String(repeating: " ", count: 18 - name.count)
            text += padded
            for value in [counts.truePositives, counts.falseNegatives, counts.falsePositives, counts.trueNegatives] {
                text += String(format: " %7d", value)
            }
            text += " " + percent(counts.truePositives, counts.truePositives + counts.falseNegatives)
            text += " " + percent(counts.falsePositives, counts.falsePositives + counts.trueNegatives)
            text +=
                " "
                + percent(
                    2 * counts.truePositives,
                    2 * counts.truePositives + counts.falsePositives + counts.falseNegatives
                )
            text += "\n"
        }
        return text
    }
}
