import ArgumentParser
import FoundationEssentials
import Inference
import Kafka
import Platform
import Service

/// `anomaly-service score`: offline scoring of JSONL (data set schema or input contract) or CLF
/// lines, one contract prediction per line on standard output; with labelled rows, a confusion
/// matrix, detection rate, false-positive rate and F1 per `source` on standard error.
///
/// It runs the service's own engine (``InferenceProcessor``: parse, features, score, category,
/// encode) on micro-batches of lines, so `score` says exactly what `serve` would.
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

    @Option(help: "Rows per micro-batch.")
    var batch: Int = 64

    @Option(help: "Refuse a whole-request model unless its feature_config equals this feature_config.json.")
    var featureConfig: String?

    @Option(help: "PREFIX=VALUE: requests whose path starts with PREFIX use this threshold (repeatable).")
    var threshold: [String] = []

    @Option(help: "Explain anomalous predictions with their N largest terms (linear models).")
    var explain: Int = 0

    @Option(
        name: .customLong("max-model-memory"),
        help: "Refuse a model whose file or scoring needs more bytes (suffixes KiB, MiB, GiB; default 1GiB)."
    )
    var maxModelMemory: String?

    func validate() throws {
        guard batch > 0 && batch <= 65_536 else { throw ValidationError("--batch must be from 1 to 65536") }
        guard explain >= 0 else { throw ValidationError("--explain must be 0 or more") }
    }

    func run() throws {
        let expected: FeatureConfiguration? =
            if let featureConfig {
                try FeatureConfiguration.decode(Data(contentsOf: URL(fileURLWithPath: featureConfig)))
            } else {
                nil
            }
        // The checks `serve` makes, for one worker scoring batches of `batch`.
        var loading = ServiceConfiguration()
        loading.model = model
        loading.workers = 1
        loading.maxBatch = batch
        if let maxModelMemory {
            try loading.set("max-model-memory", maxModelMemory, source: "flag --max-model-memory")
        }
        let svm = try loading.loadModel(expecting: expected)
        var routes = RouteThresholds()
        for rule in threshold { try routes.set(rule: rule, source: "flag --threshold") }
        BLAS.useSingleThread()
        let processor = try InferenceProcessor(
            model: svm,
            maxBatch: batch,
            routes: routes,
            explain: explain,
            sourceStyle: .file
        )
        let started = MonotonicDeadline.now()
        var scoring = OfflineScoring(processor: processor, batch: batch, input: input)
        try scoring.run()
        let seconds = Double(MonotonicDeadline.now().nanoseconds(since: started)) / 1e9
        var report =
            "score: \(scoring.scored) requests scored, \(scoring.unparseable) unparseable, model \(svm.identifier.escapedForLog), "
        report += String(seconds, decimals: 2) + " s\n"
        report += scoring.evaluation.table()
        writeToStandardError(report)
    }
}

/// The offline loop: lines become records of a micro-batch, the processor answers each.
private struct OfflineScoring {
    let processor: InferenceProcessor
    let batch: Int
    let input: String
    /// For the evaluation only: each line's label and source.
    let parser = RequestParser()
    let request = ParsedRequest()
    var pending: [InputRecord] = []
    var labels: [(label: Int8, source: String)] = []
    var outputs: [OutputRecord] = []
    var output = Data()
    var evaluation = Evaluation()
    var scored = 0
    var unparseable = 0

    init(processor: InferenceProcessor, batch: Int, input: String) {
        self.processor = processor
        self.batch = batch
        self.input = input
        pending.reserveCapacity(batch)
    }

    mutating func run() throws {
        let reader = try LineReader(path: input)
        try reader.forEachLine { lineNumber, bytes in
            guard let bytes else {
                report(line: lineNumber, reason: "\(RequestParseError.tooLarge)")
                return
            }
            if bytes.indices.allSatisfy({ bytes[$0] == 0x20 || bytes[$0] == 0x09 || bytes[$0] == 0x0D }) { return }
            let value = bytes.indices.map { bytes[$0] }
            let labelled = parser.parseReason(bytes, into: request) == nil && request.label >= 0
            labels.append(labelled ? (request.label, request.string(.source) ?? "-") : (-1, ""))
            pending.append(
                InputRecord(
                    message: KafkaMessage(
                        topic: input,
                        partition: 0,
                        offset: Int64(lineNumber),
                        key: nil,
                        value: value
                    ),
                    ticket: OffsetTracker.Ticket(rawValue: UInt(lineNumber)),
                    receivedNanoseconds: 0
                )
            )
            if pending.count == batch { try flush() }
        }
        try flush()
        try FileOutput.standardOutput.write(output.span)
    }

    private mutating func report(line: Int, reason: String) {
        unparseable += 1
        writeToStandardError("score: line \(line): unparseable (\(reason))\n")
    }

    private mutating func flush() throws {
        guard !pending.isEmpty else { return }
        outputs.removeAll(keepingCapacity: true)
        processor.process(pending, into: &outputs)
        for (index, answer) in outputs.enumerated() {
            let line = Int(pending[index].message.offset)
            guard answer.destination == .prediction else {
                let reason = answer.headers.first { $0.name == DeadLetterHeader.error }?.value
                report(line: line, reason: reason.map { String(decoding: $0, as: UTF8.self) } ?? "unscorable")
                continue
            }
            output.append(contentsOf: answer.value ?? [])
            output.append(0x0A)
            scored += 1
            let (label, source) = labels[index]
            if label >= 0 { evaluation.add(source: source, attack: label == 1, flagged: answer.anomalous) }
        }
        pending.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        if output.count >= 1 << 20 {
            try FileOutput.standardOutput.write(output.span)
            output.removeAll(keepingCapacity: true)
        }
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
            denominator == 0 ? "     -" : String(100 * Double(numerator) / Double(denominator), decimals: 2, width: 6)
        }
        var text = "source                  TP      FN      FP      TN   det%   FPR%    F1%\n"
        let total = bySource.values.reduce(Counts(), +)
        for (name, counts) in bySource.sorted(by: { $0.key < $1.key }) + (bySource.count > 1 ? [("all", total)] : []) {
            let padded =
                name.count >= 18 ? String(name.prefix(18)) : name + String(repeating: " ", count: 18 - name.count)
            text += padded
            for value in [counts.truePositives, counts.falseNegatives, counts.falsePositives, counts.trueNegatives] {
                text += " " + String(value, width: 7)
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
