import ArgumentParser
import Inference
import Platform
import Service

/// `anomaly-service score`: offline scoring of JSONL (data set schema or input contract) or CLF
/// lines, one contract prediction per line on standard output; progress, unparseable lines and a
/// summary on standard error.
///
/// It runs the service's own engine (``InferenceProcessor``: parse, features, score, route
/// threshold, category, explanation, encode) on micro-batches of lines, with the settings `serve`
/// reads for it (model, `explain`, `[thresholds]`, `max-model-memory`) from the same file and the
/// same flags, so `score` says exactly what `serve` would.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score requests offline with a model file; print one prediction per line.",
        discussion: """
            Predictions are serve's, byte for byte, except that "source" is {"file": ..., "line": ...}. \
            Settings as serve reads them: defaults, then --config FILE (serve's TOML file: its model, \
            explain = N, [thresholds] and max-model-memory apply; other settings are checked and \
            ignored), then flags. ANOMALY_* environment variables are not read. \
            Standard output carries predictions only. On standard error: each unparseable line with its \
            line number and reason (none is dropped silently); progress, as a bar when standard error is \
            a terminal and otherwise as one line every --progress-interval seconds (lines read, lines/s, \
            anomalous, unparseable); at the end a summary table: lines, predicted, anomalous, \
            unparseable by reason and, when rows carry "label", a confusion matrix with detection rate, \
            false-positive rate and F1 per "source".
            """
    )

    @Option(help: "The .model file (default: the --config file's model, else models/default.model).")
    var model: String?

    @Argument(help: "JSON-lines or CLF file; - reads standard input.")
    var input: String = "-"

    @Option(help: "serve's TOML configuration file: its model, explain, [thresholds] and max-model-memory apply.")
    var config: String?

    @Option(help: "Rows per micro-batch.")
    var batch: Int = 64

    @Option(
        name: .customLong("feature-config"),
        help: "Refuse the model unless its feature_config equals this feature_config.json (part or whole-request)."
    )
    var featureConfig: String?

    @Option(help: "PREFIX=VALUE: requests whose path starts with PREFIX use this threshold (repeatable).")
    var threshold: [String] = []

    @Flag(
        help:
            "Add the 5 largest contributing features to each anomalous prediction (linear models; setting: explain = N)."
    )
    var explain = false

    @Option(
        name: .customLong("max-model-memory"),
        help: "Refuse a model whose file or scoring needs more bytes (suffixes KiB, MiB, GiB; default 1GiB)."
    )
    var maxModelMemory: String?

    @Flag(name: .customLong("no-progress"), help: "Neither a progress bar nor progress lines on standard error.")
    var noProgress = false

    @Option(
        name: .customLong("progress-interval"),
        help: "Seconds between progress lines when standard error is not a terminal."
    )
    var progressInterval: Double = 5

    func validate() throws {
        guard batch > 0 && batch <= 65_536 else { throw ValidationError("--batch must be from 1 to 65536") }
        guard progressInterval > 0 && progressInterval.isFinite else {
            throw ValidationError("--progress-interval must be a positive number of seconds")
        }
    }

    func run() throws {
        let settings = try resolvedConfiguration()
        let expected = try featureConfig.map(FeatureConfigurationFile.init(contentsOf:))
        let svm = try loadModel(settings, expected: expected)
        if settings.explain > 0 && svm.kernel != .linear {
            writeToStandardError(
                "score: explanations need a linear model; \(svm.identifier.escapedForLog) is \(svm.kernel): predictions go unexplained\n"
            )
        }
        BLAS.useSingleThread()
        let processor = try InferenceProcessor(
            model: svm,
            maxBatch: batch,
            routes: settings.routeThresholds,
            explain: settings.explain,
            sourceStyle: .file
        )
        let reader = try LineReader(path: input)
        let progress = ScoreProgress(
            style: noProgress ? .none : ScoreProgress.Style.forStandardError(interval: progressInterval),
            totalBytes: input == "-" ? nil : FileFingerprint(path: input).map { Int($0.size) }
        )
        let started = MonotonicDeadline.now()
        try progress.start()
        var scoring = OfflineScoring(processor: processor, batch: batch, input: input, progress: progress)
        do {
            try scoring.run(reader)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let summary = ScoreSummary(
            input: input,
            model: svm.identifier,
            seconds: Double(MonotonicDeadline.now().nanoseconds(since: started)) / 1e9,
            counts: scoring.counts
        )
        writeToStandardError(summary.text())
    }

    /// Defaults, then the file, then flags: `serve`'s order for the settings scoring uses, with the
    /// model loaded for one worker scoring batches of `--batch`.
    func resolvedConfiguration() throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        if let config {
            try configuration.apply(TOMLDocument(contentsOfFile: config), source: config)
        }
        let flags: [(String, String?)] = [
            ("model", model), ("max-model-memory", maxModelMemory), ("explain", explain ? "5" : nil),
        ]
        for case let (name, value?) in flags {
            try configuration.set(name, value, source: "flag --\(name)")
        }
        for rule in threshold { try configuration.routeThresholds.set(rule: rule, source: "flag --threshold") }
        configuration = configuration.applyingProfile(allowedCPUs: 1)
        configuration.workers = 1
        configuration.maxBatch = batch
        return configuration
    }

    /// The model with `serve`'s checks, refused unless its feature configuration is `expected`'s.
    private func loadModel(
        _ settings: ServiceConfiguration,
        expected: FeatureConfigurationFile?
    ) throws -> SVMModel {
        guard case .parts(let parts) = expected else {
            guard case .whole(let whole) = expected else { return try settings.loadModel() }
            return try settings.loadModel(expecting: whole)
        }
        let svm = try settings.loadModel()
        let actual = svm.isPartModel ? try svm.partFeatureConfiguration() : nil
        guard actual == parts else {
            let stored = actual?.canonicalJSON() ?? String(decoding: svm.featureConfigurationJSON, as: UTF8.self)
            throw InferenceError.featureMismatch(
                "model '\(settings.model)' refused: its feature_config \(stored) differs from '\(featureConfig ?? "")' \(parts.canonicalJSON())"
            )
        }
        return svm
    }
}
