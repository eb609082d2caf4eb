import Foundation
import Inference

// inference-bench: parse+featurize ns/request, batched SVM scoring µs/request at batch
// 1/8/64/256 against a naive per-request loop and a plain large sgemm, all in one release run.
//
//   cd bench && swift run -c release --scratch-path .build-inf inference-bench [--model PATH] [--data DIR]

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let repetitions = Int(option("--repetitions") ?? "") ?? 7
let dataDirectory = option("--data") ?? "../../shared/data"
let modelPath = option("--model") ?? "../models/default.model"

BLAS.useSingleThread()
print(
    "# inference-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, 1 BLAS thread, median of \(repetitions), "
        + (Timing.useWallClock ? "wall-clock time" : "thread CPU time")
)

// MARK: Parse + featurize

let corpus = Corpus(directory: dataDirectory, perFile: 4000)
let parser = RequestParser()
let request = ParsedRequest()
// The model's feature configuration when the model file exists and carries one this extractor
// implements (the trained default model), else the built-in default.
let loadedModel = FileManager.default.fileExists(atPath: modelPath) ? try SVMModel(contentsOf: modelPath) : nil
let extractor = try FeatureExtractor(configuration: (try? loadedModel?.featureConfiguration()) ?? .default)
var row = [Float](repeating: 0, count: extractor.dimension)
var features: [Float] = []
features.reserveCapacity(corpus.lines.count * extractor.dimension)
var parseFailures = 0
for line in corpus.lines {
    if (try? parser.parse(line, into: request)) == nil {
        parseFailures += 1
        continue
    }
    features += extractor.extract(request)
}
let featureRows = features.count / extractor.dimension
let parseSeconds = Timing.median(repetitions: repetitions) {
    for line in corpus.lines {
        blackHole(parser.parseReason(line.span, into: request))
    }
}
/// Parses and featurises every line into `row` (a global's span cannot outlive an access to it,
/// so the row comes in as `inout`).
@MainActor func featurizeCorpus(into row: inout [Float]) {
    var buffer = row.mutableSpan
    for line in corpus.lines where parser.parseReason(line.span, into: request) == nil {
        extractor.extract(request, into: &buffer)
    }
}
let featurizeSeconds = Timing.median(repetitions: repetitions) {
    featurizeCorpus(into: &row)
}
let requests = Double(corpus.lines.count)
print("")
print(
    "## Parse + featurize (\(corpus.lines.count) requests, \(corpus.byteCount / corpus.lines.count) B mean, \(parseFailures) unparseable)"
)
print("| step | ns/request | requests/s (1 core) |")
print("|---|---:|---:|")
print(String(format: "| parse | %.0f | %.0f |", parseSeconds / requests * 1e9, requests / parseSeconds))
print(
    String(
        format: "| parse + featurize (dim %d, %d-%d-grams) | %.0f | %.0f |",
        extractor.dimension,
        extractor.configuration.ngramMin,
        extractor.configuration.ngramMax,
        featurizeSeconds / requests * 1e9,
        requests / featurizeSeconds
    )
)

// MARK: Model

let model: SVMModel
if let loadedModel, loadedModel.dimension == extractor.dimension {
    model = loadedModel
    print(
        "\nModel: \(modelPath) (\(model.identifier), \(model.kernel), n_sv \(model.supportVectorCount), dim \(model.dimension))"
    )
} else {
    // A synthetic RBF model of the default model's shape: 700 support vectors from real feature rows.
    var generator = LinearCongruential(seed: 11)
    let count = 700
    var vectors: [Float] = []
    vectors.reserveCapacity(count * extractor.dimension)
    for index in 0..<count {
        let source = (index * 7919) % featureRows
        vectors += features[(source * extractor.dimension)..<((source + 1) * extractor.dimension)]
    }
    let dual = (0..<count).map { _ in Float(Int(generator.next() % 2001) - 1000) / 100 }
    model = SVMModel(
        name: "synthetic",
        version: "0",
        kernel: .rbf,
        gamma: 0.5,
        intercept: -0.1,
        dimension: extractor.dimension,
        supportVectors: vectors,
        dualCoefficients: dual,
        featureConfiguration: extractor.configuration
    )
    print("\nModel: \(modelPath) not found or unusable; synthetic rbf model, n_sv \(count), dim \(model.dimension)")
    if let path = option("--write-model") {
        try Data(model.encodedFile()).write(to: URL(fileURLWithPath: path))
        print("(written to \(path) for training/bench_sklearn.py)")
    }
}

// MARK: Plain sgemm peak

let peakM = 512
let peakN = 1024
let peakK = 4096
var peakA = [Float](repeating: 0.5, count: peakM * peakK)
var peakB = [Float](repeating: 0.25, count: peakK * peakN)
var peakC = [Float](repeating: 0, count: peakM * peakN)
for index in peakA.indices { peakA[index] = Float(index % 13) / 13 }
/// `peakC = peakA · peakB` (`inout` for the same reason as ``featurizeCorpus(into:)``).
@MainActor func multiplyPeak(into c: inout [Float]) {
    var product = c.mutableSpan
    BLAS.multiply(m: peakM, n: peakN, k: peakK, a: peakA.span, b: peakB.span, c: &product)
}
let peakSeconds = Timing.median(repetitions: repetitions) {
    multiplyPeak(into: &peakC)
}
let peakGFLOPS = 2 * Double(peakM * peakN * peakK) / peakSeconds / 1e9

// MARK: Scoring

print("\n## Scoring (\(model.kernel), n_sv \(model.supportVectorCount), dim \(model.dimension))")
print("columns: the GEMM's inner dimension (sgemm: the batch's non-zero columns; sparse: non-zero features per row);")
print("GFLOP/s count the arithmetic actually run (GEMM or saxpys, norms, exp), against the plain sgemm below.")
print("| path | batch | columns | µs/request | requests/s (1 core) | GFLOP/s | % of sgemm peak |")
print("|---|---:|---:|---:|---:|---:|---:|")
let products: [(String, KernelProduct)] =
    model.kernel == .linear
    ? [("BLAS sgemv X·w (linear)", .automatic)]
    : [("BLAS sgemm (non-zero columns)", .gemm), ("sparse saxpy per feature", .sparse)]
for (name, product) in products {
    for batch in [1, 8, 64, 256] {
        // Distinct consecutive batches of real feature rows, cycled through.
        let batchCount = max(1, min(16, featureRows / batch))
        let scorer = BatchScorer(model: model, maxBatch: batch, product: product)
        func load(_ batchIndex: Int) {
            for index in 0..<batch {
                let source = (batchIndex * batch + index) % featureRows
                scorer.withRow(index) { target in
                    for column in 0..<model.dimension {
                        target[column] = features[source * model.dimension + column]
                    }
                }
            }
        }
        var seconds = 0.0
        var flops = 0.0
        var columns = 0
        for batchIndex in 0..<batchCount {
            load(batchIndex)
            let inner = max(1, Timing.calls(toFill: 0.02) { blackHole(scorer.score(count: batch) { $0[0] }) })
            seconds +=
                Timing.median(repetitions: repetitions) {
                    for _ in 0..<inner { blackHole(scorer.score(count: batch) { $0[0] }) }
                } / Double(inner)
            columns += model.kernel == .linear ? model.dimension : scorer.lastColumnCount
            flops +=
                product == .sparse
                ? scorer.sparseFloatingPointOperations(count: batch, nonZero: scorer.lastColumnCount)
                : scorer.floatingPointOperations(count: batch, columns: scorer.lastColumnCount)
        }
        let gflops = flops / seconds / 1e9
        seconds /= Double(batchCount)
        print(
            String(
                format: "| \(name) | %d | %d | %.2f | %.0f | %.1f | %.0f%% |",
                batch,
                columns / batchCount,
                seconds / Double(batch) * 1e6,
                Double(batch) / seconds,
                gflops,
                100 * gflops / peakGFLOPS
            )
        )
    }
}
let reference = ReferenceScorer(model: model)
let naiveRows = min(featureRows, 64)
let naiveSeconds =
    Timing.median(repetitions: max(3, repetitions / 2)) {
        let all = features.span
        for index in 0..<naiveRows {
            blackHole(reference.decision(all.extracting((index * model.dimension)..<((index + 1) * model.dimension))))
        }
    } / Double(naiveRows)
let naiveFlops = Double(model.dimension) * (model.kernel == .linear ? 2 : 3 * Double(model.supportVectorCount))
print(
    String(
        format: "| naive per-request loop (Double) | 1 | %d | %.2f | %.0f | %.1f | %.0f%% |",
        model.dimension,
        naiveSeconds * 1e6,
        1 / naiveSeconds,
        naiveFlops / naiveSeconds / 1e9,
        100 * naiveFlops / naiveSeconds / 1e9 / peakGFLOPS
    )
)
print(
    String(format: "| plain sgemm %d×%d×%d | - | %d | - | - | %.1f | 100%% |", peakM, peakN, peakK, peakK, peakGFLOPS)
)
