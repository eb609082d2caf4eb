import Foundation
import Testing

@testable import Inference

/// The trainer's golden vectors (training/golden.py): models, features and scikit-learn's
/// `decision_function`, checked to `|actual - expected| <= 1e-4 |expected| + 1e-5`.
enum GoldenVectors {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden")

    static func array(_ name: String) throws -> NumPyFile.Array2D {
        try NumPyFile.read(Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

@Suite struct ScoringTests {
    init() { BLAS.useSingleThread() }

    @Test(arguments: [
        ("rbf", "expected.npy"), ("linear", "expected_linear.npy"), ("nystroem", "expected_nystroem.npy"),
    ])
    func matchesScikitLearnGoldenVectors(model name: String, expected file: String) throws {
        let model = try SVMModel(contentsOf: GoldenVectors.directory.appendingPathComponent("\(name).model").path)
        let features = try GoldenVectors.array("features.npy")
        let expected = try GoldenVectors.array(file).values
        let rows = features.shape[0]
        #expect(features.shape == [rows, model.dimension])
        #expect(expected.count == rows)
        for (batch, product) in [
            (1, KernelProduct.gemm), (8, .gemm), (64, .gemm), (1, .sparse), (64, .sparse), (8, .automatic),
        ] {
            let scorer = BatchScorer(model: model, maxBatch: batch, product: product)
            var worst = 0.0
            for start in stride(from: 0, to: rows, by: batch) {
                let count = min(batch, rows - start)
                for index in 0..<count {
                    scorer.withRow(index) { row in
                        for column in 0..<model.dimension {
                            row[column] = Float(features.values[(start + index) * model.dimension + column])
                        }
                    }
                }
                let decisions = scorer.score(count: count) { $0.array }
                for index in 0..<count {
                    let actual = Double(decisions[index])
                    let target = expected[start + index]
                    let excess = abs(actual - target) - (1e-4 * abs(target) + 1e-5)
                    worst = max(worst, excess)
                    #expect(excess <= 0, "\(name) row \(start + index): \(actual) vs \(target)")
                }
            }
            #expect(worst <= 0)
        }
    }

    @Test(arguments: [SVMKernel.rbf, .linear], [KernelProduct.gemm, .sparse])
    func batchScoringEqualsNaivePerRowScoring(kernel: SVMKernel, product: KernelProduct) {
        let model = ModelFileTests.randomModel(kernel: kernel, dimension: 80, count: 33, seed: 9)
        let reference = ReferenceScorer(model: model)
        let scorer = BatchScorer(model: model, maxBatch: 17, product: product)
        var generator = SplitMix64(seed: 3)
        var rows: [[Float]] = []
        for index in 0..<17 {
            let row = (0..<80).map { _ in Float(generator.next() >> 40) / Float(1 << 24) * 0.3 }
            rows.append(row)
            scorer.withRow(index) { target in
                for column in 0..<80 { target[column] = row[column] }
            }
        }
        let decisions = scorer.score(count: 17) { $0.array }
        for index in 0..<17 {
            let expected = reference.decision(rows[index])
            #expect(abs(Double(decisions[index]) - expected) <= 1e-4 * abs(expected) + 1e-5)
        }
    }

    @Test(arguments: [1, 5, 40], [KernelProduct.gemm, .sparse, .automatic])
    func sparseBatchesUseTheNonZeroColumnsOnly(batch: Int, product: KernelProduct) {
        let model = ModelFileTests.randomModel(kernel: .rbf, dimension: 272, count: 21, seed: 5)
        let reference = ReferenceScorer(model: model)
        let scorer = BatchScorer(model: model, maxBatch: batch, product: product)
        var generator = SplitMix64(seed: 8)
        var rows: [[Float]] = []
        for index in 0..<batch {
            var row = [Float](repeating: 0, count: 272)
            for _ in 0..<4 { row[Int(generator.next() % 272)] = Float(generator.next() % 100) / 100 }
            rows.append(row)
            scorer.withRow(index) { target in
                for column in 0..<272 { target[column] = row[column] }
            }
        }
        let decisions = scorer.score(count: batch) { $0.array }
        #expect(scorer.lastColumnCount <= 4 * batch)
        for index in 0..<batch {
            let expected = reference.decision(rows[index])
            #expect(abs(Double(decisions[index]) - expected) <= 1e-4 * abs(expected) + 1e-5)
        }
    }

    @Test func fastExpIsAccurate() {
        var worst: Double = 0
        var x: Float = -87
        while x <= 0 {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastExp.exp(x)) - exact) / exact)
            x += 0.001
        }
        #expect(worst < 5e-7)
        #expect(FastExp.exp(1) == 1)
        #expect(FastExp.exp(-1000) < 1e-37)
    }

    @Test func scoresAnExtractedRequestEndToEnd() throws {
        let model = ModelFileTests.randomModel(kernel: .linear, dimension: FeatureConfiguration.default.dimension)
        let extractor = try FeatureExtractor(configuration: model.featureConfiguration())
        let scorer = BatchScorer(model: model, maxBatch: 4)
        let request = ParsedRequest()
        try RequestParser().parse(Array(#"{"path": "/a", "query": "b=<script>"}"#.utf8), into: request)
        scorer.withRow(0) { row in extractor.extract(request, into: &row) }
        let decision = scorer.score(count: 1) { $0[0] }
        let expected = ReferenceScorer(model: model).decision(extractor.extract(request))
        #expect(abs(Double(decision) - expected) <= 1e-4 * abs(expected) + 1e-5)
        // The service's path for linear models: no row, the decision from the block counts.
        let rowless = scorer.linearDecision(of: request, extractor: extractor)
        #expect(abs(Double(rowless) - expected) <= 1e-4 * abs(expected) + 1e-5)
    }

    @Test(arguments: [SVMKernel.linear, .rbf])
    func scoringFromTheWrittenIndicesEqualsDenseScoring(kernel: SVMKernel) throws {
        let model = ModelFileTests.randomModel(kernel: kernel, dimension: FeatureConfiguration.default.dimension)
        let extractor = try FeatureExtractor(configuration: model.featureConfiguration())
        let scorer = BatchScorer(model: model, maxBatch: 3)
        let requests = [
            #"{"path": "/a", "query": "b=<script>&c=1", "headers": {"User-Agent": "curl/8"}}"#,
            #"{"path": "/login", "body": "user=alice&pwd=%27%20OR%201=1--"}"#,
            #"{"path": "/"}"#,
        ]
        var written: [[Int32]] = []
        let request = ParsedRequest()
        for (index, json) in requests.enumerated() {
            try RequestParser().parse(Array(json.utf8), into: request)
            scorer.withRow(index) { row in extractor.extract(request, into: &row) }
            let indices = extractor.withWrittenIndices { $0.array }
            #expect(Set(indices).count == indices.count, "each written index is listed once")
            written.append(indices)
        }
        let dense = scorer.score(count: 3) { $0.array }
        let sparse = scorer.score(count: 3, nonZeroColumns: written, denseFrom: extractor.hashedDimension) { $0.array }
        for index in 0..<3 {
            #expect(abs(sparse[index] - dense[index]) <= 1e-4 * abs(dense[index]) + 1e-5)
        }
    }

    @Test func aListedColumnOutsideTheRowStopsInsteadOfReadingPastIt() async {
        await #expect(processExitsWith: .failure) {
            let model = ModelFileTests.randomModel(kernel: .linear, dimension: 8)
            let columns: [Int32] = [3, 8]
            _ = BatchScorer(model: model, maxBatch: 1).linearDecision(
                row: 0,
                nonZeroColumns: columns.span,
                denseFrom: 8
            )
        }
    }
}
