import ArgumentParser
import FoundationEssentials
import Inference
import Platform

/// `anomaly-service featurize`: the features the trainer learns from, computed by the same
/// extractor that serves (docs/MODEL_FORMAT.md, "featurize output directory").
struct FeaturizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "featurize",
        abstract: "Write the feature matrix, labels and row metadata of JSONL or CLF requests.",
        discussion: """
            With a part configuration (extractor http-parts-v3, the default): one sparse row per request \
            part in CSR arrays, DIR/parts_indptr.npy (int64 [p+1]), DIR/parts_indices.npy (int32), \
            DIR/parts_data.npy (float32), DIR/part_row.npy (int32: the request row of each part), \
            DIR/part_kind.npy (int8: path 0, param 1, names 2, body 3, user_agent 4, referer 5). \
            With a whole-request configuration (http-ngram-v1/v2): DIR/X.npy (float32 [n, dim]). \
            Both: DIR/y.npy (int8: 1 attack, 0 normal, -1 unlabelled), DIR/rows.jsonl (id, source, \
            split, label, attack_type, group), DIR/feature_config.json and DIR/errors.jsonl (lines \
            that could not be parsed, with the reason).
            """
    )

    @Argument(help: "JSON-lines (data set schema or input contract) or CLF file; - reads standard input.")
    var input: String = "-"

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Stop after this many feature rows.")
    var maxRows: Int?

    @Option(
        name: .customLong("feature-config"),
        help: "A feature_config.json to use instead of the built-in default (part) configuration."
    )
    var featureConfig: String?

    /// The former name of `--feature-config`, kept so existing scripts run; `serve` and `score`
    /// use `--config` for the service's TOML file.
    @Option(name: .customLong("config"), help: .hidden)
    var legacyFeatureConfig: String?

    func validate() throws {
        if featureConfig != nil && legacyFeatureConfig != nil {
            throw ValidationError("--config is the former name of --feature-config: give one of them")
        }
    }

    func run() throws {
        let file = try (featureConfig ?? legacyFeatureConfig).map(FeatureConfigurationFile.init(contentsOf:))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let started = MonotonicDeadline.now()
        let featurizer = Featurizer(directory: out)
        let summary: Featurizer.Summary
        let configurationJSON: String
        let shape: String
        switch file ?? .parts(.default) {
        case .parts(let configuration):
            let sink = try PartRows(extractor: PartExtractor(configuration: configuration), directory: out)
            summary = try featurizer.run(input: input, maxRows: maxRows, sink: sink)
            configurationJSON = configuration.canonicalJSON()
            shape = "\(sink.parts) parts x \(configuration.hashedDimension) columns"
        case .whole(let configuration):
            let extractor = try FeatureExtractor(configuration: configuration)
            summary = try featurizer.run(
                input: input,
                maxRows: maxRows,
                sink: try DenseRows(extractor: extractor, directory: out)
            )
            configurationJSON = configuration.canonicalJSON()
            shape = "\(extractor.dimension) features"
        }
        try Data((configurationJSON + "\n").utf8).write(
            to: URL(fileURLWithPath: out).appendingPathComponent("feature_config.json")
        )
        let seconds = Double(MonotonicDeadline.now().nanoseconds(since: started)) / 1e9
        writeToStandardError(
            "featurize: \(summary.rows) rows, \(shape), \(summary.errors) unparseable "
                + "(errors.jsonl), \(summary.blank) blank lines, "
                + String(seconds, decimals: 1) + " s -> \(out)\n"
        )
    }
}

/// Where the featurize loop puts each parsed request's features.
private protocol FeatureRows {
    func append(_ request: ParsedRequest) throws
    func finish() throws
}

/// Whole-request rows (http-ngram-v1/v2): one dense float32 row per request in X.npy.
private final class DenseRows: FeatureRows {
    let extractor: FeatureExtractor
    let matrix: NumPyMatrixWriter
    var row: [Float]

    init(extractor: FeatureExtractor, directory: String) throws {
        self.extractor = extractor
        matrix = try NumPyMatrixWriter(path: Featurizer.path("X.npy", in: directory), columns: extractor.dimension)
        row = [Float](repeating: 0, count: extractor.dimension)
    }

    func append(_ request: ParsedRequest) throws {
        // The row moves out of the property while it is written, so no copy is made and no access
        // to the property stays open.
        var row: [Float] = []
        swap(&row, &self.row)
        defer { swap(&row, &self.row) }
        var span = row.mutableSpan
        extractor.extract(request, into: &span)
        try matrix.append(row.span)
    }

    func finish() throws { try matrix.finish() }
}

/// Part rows (http-parts-v3): one sparse row per part, as CSR arrays.
private final class PartRows: FeatureRows {
    let extractor: PartExtractor
    let indptr: NumPyMatrixWriter
    let indices: NumPyMatrixWriter
    let data: NumPyMatrixWriter
    let partRow: NumPyMatrixWriter
    let partKind: NumPyMatrixWriter
    private(set) var parts = 0
    var requests: Int32 = 0
    var nonZeros: Int64 = 0

    init(extractor: PartExtractor, directory: String) throws {
        self.extractor = extractor
        indptr = try .vector(path: Featurizer.path("parts_indptr.npy", in: directory), descr: "<i8")
        indices = try .vector(path: Featurizer.path("parts_indices.npy", in: directory), descr: "<i4")
        data = try .vector(path: Featurizer.path("parts_data.npy", in: directory), descr: "<f4")
        partRow = try .vector(path: Featurizer.path("part_row.npy", in: directory), descr: "<i4")
        partKind = try .vector(path: Featurizer.path("part_kind.npy", in: directory), descr: "|i1")
        try Self.append(Int64(0), to: indptr)
    }

    func append(_ request: ParsedRequest) throws {
        var failure: Error?
        extractor.forEachPart(of: request) { kind, features in
            guard failure == nil else { return }
            do {
                try features.withIndices { try indices.append(elements: $0) }
                try features.withValues { try data.append(elements: $0) }
                nonZeros += Int64(features.count)
                try Self.append(nonZeros, to: indptr)
                try Self.append(requests, to: partRow)
                try Self.append(Int8(kind.rawValue), to: partKind)
                parts += 1
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        requests += 1
    }

    private static func append<T: BitwiseCopyable>(_ value: T, to writer: NumPyMatrixWriter) throws {
        let element: InlineArray<1, T> = [value]
        try writer.append(elements: element.span)
    }

    func finish() throws {
        for writer in [indptr, indices, data, partRow, partKind] { try writer.finish() }
    }
}

/// The featurize loop: one reusable request, one reusable row.
private struct Featurizer {
    struct Summary {
        var rows = 0
        var errors = 0
        var blank = 0
    }

    private struct Stop: Error {}

    let directory: String

    func run(input: String, maxRows: Int?, sink: some FeatureRows) throws -> Summary {
        let reader = try LineReader(path: input)
        let parser = RequestParser()
        let request = ParsedRequest()
        let rowsFile = try BufferedTextFile(path: path("rows.jsonl"))
        let errorsFile = try BufferedTextFile(path: path("errors.jsonl"))
        var labels: [Int8] = []
        var summary = Summary()
        let fileName = (input == "-") ? "-" : URL(fileURLWithPath: input).lastPathComponent
        do {
            try reader.forEachLine { lineNumber, bytes in
                if let maxRows, summary.rows >= maxRows { throw Stop() }
                guard let bytes else {
                    summary.errors += 1
                    try errorsFile.write(
                        "{\"line\":\(lineNumber),\"reason\":\"\(RequestParseError.tooLarge)\",\"input\":\"\"}\n"
                    )
                    return
                }
                if bytes.indices.allSatisfy({ bytes[$0] == 0x20 || bytes[$0] == 0x09 || bytes[$0] == 0x0D }) {
                    summary.blank += 1
                    return
                }
                if let reason = parser.parseReason(bytes, into: request) {
                    summary.errors += 1
                    try errorsFile.write(
                        "{\"line\":\(lineNumber),\"reason\":\"\(reason)\",\"input\":\(JSONText.quotedPrefix(bytes))}\n"
                    )
                    return
                }
                try sink.append(request)
                labels.append(request.label)
                let id = request.string(.id) ?? "\(fileName):\(lineNumber)"
                let label: String? = request.label < 0 ? nil : (request.label == 1 ? "attack" : "normal")
                try rowsFile.write(
                    "{\"id\":\(JSONText.quoted(id)),\"source\":\(JSONText.quoted(request.string(.source))),"
                        + "\"split\":\(JSONText.quoted(request.string(.split))),\"label\":\(JSONText.quoted(label)),"
                        + "\"attack_type\":\(JSONText.quoted(request.string(.attackType))),"
                        + "\"group\":\"\(FeatureExtractor.contentGroupText(of: request))\"}\n"
                )
                summary.rows += 1
            }
        } catch is Stop {}
        try sink.finish()
        try rowsFile.close()
        try errorsFile.close()
        try NumPyFile.encode(int8: labels).write(to: URL(fileURLWithPath: path("y.npy")))
        return summary
    }

    private func path(_ name: String) -> String { Self.path(name, in: directory) }

    static func path(_ name: String, in directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }
}

/// A text file written through a buffer.
final class BufferedTextFile {
    private let handle: FileOutput
    private var pending = Data()

    init(path: String) throws {
        do { handle = try FileOutput(creating: path) } catch { throw ValidationError("cannot create \(path)") }
    }

    func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 20 {
            try handle.write(pending.span)
            pending.removeAll(keepingCapacity: true)
        }
    }

    func close() throws {
        try handle.write(pending.span)
        pending.removeAll()
        try handle.close()
    }
}
