import ArgumentParser
import Foundation
import Inference

/// `anomaly-service featurize`: the features the trainer learns from, computed by the same
/// extractor that serves (docs/MODEL_FORMAT.md, "featurize output directory").
struct FeaturizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "featurize",
        abstract: "Write the feature matrix, labels and row metadata of JSONL or CLF requests.",
        discussion: """
            Writes DIR/X.npy (float32 [n, dim]), DIR/y.npy (int8: 1 attack, 0 normal, -1 unlabelled), \
            DIR/rows.jsonl (id, source, split, label, attack_type, group), DIR/feature_config.json and \
            DIR/errors.jsonl (lines that could not be parsed, with the reason).
            """
    )

    @Argument(help: "JSON-lines (data set schema or input contract) or CLF file; - reads standard input.")
    var input: String = "-"

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Stop after this many feature rows.")
    var maxRows: Int?

    @Option(help: "A feature_config.json to use instead of the built-in default configuration.")
    var config: String?

    func run() throws {
        let configuration: FeatureConfiguration =
            if let config {
                try FeatureConfiguration.decode(Data(contentsOf: URL(fileURLWithPath: config)))
            } else {
                .default
            }
        let extractor = try FeatureExtractor(configuration: configuration)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let started = Date()
        let summary = try Featurizer(extractor: extractor, directory: out).run(input: input, maxRows: maxRows)
        try Data((configuration.canonicalJSON() + "\n").utf8).write(
            to: URL(fileURLWithPath: out).appendingPathComponent("feature_config.json")
        )
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(
            Data(
                ("featurize: \(summary.rows) rows x \(extractor.dimension) features, \(summary.errors) unparseable "
                    + "(errors.jsonl), \(summary.blank) blank lines, "
                    + String(format: "%.1f s", seconds) + " -> \(out)\n").utf8
            )
        )
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

    let extractor: FeatureExtractor
    let directory: String

    func run(input: String, maxRows: Int?) throws -> Summary {
        let reader = try LineReader(path: input)
        let parser = RequestParser()
        let request = ParsedRequest()
        let matrix = try NumPyMatrixWriter(path: path("X.npy"), columns: extractor.dimension)
        let rowsFile = try BufferedTextFile(path: path("rows.jsonl"))
        let errorsFile = try BufferedTextFile(path: path("errors.jsonl"))
        var labels: [Int8] = []
        var summary = Summary()
        var row = [Float](repeating: 0, count: extractor.dimension)
        let fileName = (input == "-") ? "-" : URL(fileURLWithPath: input).lastPathComponent
        do {
            try unsafe reader.forEachLine { lineNumber, bytes in
                if let maxRows, summary.rows >= maxRows { throw Stop() }
                guard let bytes = unsafe bytes else {
                    summary.errors += 1
                    try errorsFile.write(
                        "{\"line\":\(lineNumber),\"reason\":\"\(RequestParseError.tooLarge)\",\"input\":\"\"}\n"
                    )
                    return
                }
                if unsafe bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    summary.blank += 1
                    return
                }
                if let reason = unsafe parser.parseReason(bytes, into: request) {
                    summary.errors += 1
                    try errorsFile.write(
                        "{\"line\":\(lineNumber),\"reason\":\"\(reason)\",\"input\":\(unsafe JSONText.quotedPrefix(bytes))}\n"
                    )
                    return
                }
                unsafe row.withUnsafeMutableBufferPointer { buffer in unsafe extractor.extract(request, into: buffer) }
                try unsafe row.withUnsafeBufferPointer { buffer in try unsafe matrix.append(buffer) }
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
        try matrix.finish()
        try rowsFile.close()
        try errorsFile.close()
        try NumPyFile.encode(int8: labels).write(to: URL(fileURLWithPath: path("y.npy")))
        return summary
    }

    private func path(_ name: String) -> String { URL(fileURLWithPath: directory).appendingPathComponent(name).path }
}

/// A text file written through a buffer.
final class BufferedTextFile {
    private let handle: FileHandle
    private var pending = Data()

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw ValidationError("cannot create \(path)") }
        self.handle = handle
    }

    func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 20 {
            try handle.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    func close() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll()
        try handle.close()
    }
}
