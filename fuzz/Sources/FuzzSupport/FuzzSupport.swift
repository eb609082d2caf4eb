import CFuzzDriver
import Foundation
import Inference

/// The state and the invariants the fuzz targets share. Each target is one process running one
/// input at a time, so the reusable parser state lives in one instance.
public final class FuzzHarness {
    public let parser = RequestParser()
    public let request: ParsedRequest
    let extractor: FeatureExtractor
    let scorer: BatchScorer
    let partScorer: PartScorer

    /// The default model (models/default.model of this repository, a part model: what the service
    /// runs), and the previous whole-request model (bench/models/whole-request-v2.model), whose
    /// weights give the linear decision over a row and without one to cross-check.
    public init() {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repository.appendingPathComponent("models/default.model").path
        let wholeRequestPath = repository.appendingPathComponent("bench/models/whole-request-v2.model").path
        do {
            partScorer = try PartScorer(model: SVMModel(contentsOf: path), limits: parser.limits)
            let model = try SVMModel(contentsOf: wholeRequestPath)
            request = ParsedRequest(limits: parser.limits)
            extractor = try FeatureExtractor(configuration: model.featureConfiguration(), limits: parser.limits)
            scorer = BatchScorer(model: model, maxBatch: 1)
        } catch {
            fatalError("fuzz harness: cannot load the models: \(error)")
        }
    }

    /// Parses `input`; a success must respect every field capacity and parse the same way twice.
    /// Returns whether it parsed.
    @discardableResult
    public func parse(_ input: Span<UInt8>) -> Bool {
        let first = parser.parseReason(input, into: request)
        for field in RequestField.allCases {
            let count = request.count(of: field)
            guard count >= 0, count <= parser.limits.capacity(of: field) else {
                fatalError("field \(field) holds \(count) bytes, capacity \(parser.limits.capacity(of: field))")
            }
        }
        let lengths = RequestField.allCases.map { request.count(of: $0) }
        let second = parser.parseReason(input, into: request)
        guard first == second, lengths == RequestField.allCases.map({ request.count(of: $0) }) else {
            fatalError("parsing is not deterministic: \(String(describing: first)) then \(String(describing: second))")
        }
        return first == nil
    }

    /// Features of the parsed request: finite, and the rowless linear decision (the service's
    /// path) equal to the decision over the extracted row.
    public func checkFeatures() {
        scorer.withRow(0) { row in
            extractor.extract(request, into: &row)
            for index in row.indices where !row[index].isFinite { fatalError("non-finite feature \(row[index])") }
        }
        let dense = scorer.score(count: 1) { $0[0] }
        let rowless = scorer.linearDecision(of: request, extractor: extractor)
        guard dense.isFinite, rowless.isFinite, abs(dense - rowless) <= 1e-3 * (1 + abs(dense)) else {
            fatalError("decision over the row \(dense) but without the row \(rowless)")
        }
        checkParts()
    }

    /// The part model's verdict: finite, the same twice, a category among the model's, and an
    /// explanation whose terms are finite.
    public func checkParts() {
        let verdict = partScorer.score(request)
        guard verdict.score.isFinite, partScorer.score(request) == verdict else {
            fatalError("part score \(verdict.score) is not finite or not deterministic")
        }
        if let category = partScorer.category(), !partScorer.model.categories.indices.contains(category) {
            fatalError("category \(category) outside the model's \(partScorer.model.categories.count)")
        }
        for term in partScorer.explanation(limit: 5) where !term.contribution.isFinite {
            fatalError("explanation term \(term) is not finite")
        }
    }
}

/// Copies `input` into `buffer`, replacing its first non-blank byte by `first` when that byte is
/// not already one of `keep`: steers the parser's format dispatch towards one scanner.
public func steer(
    _ input: Span<UInt8>,
    into buffer: inout [UInt8],
    keep: Set<UInt8>,
    first: UInt8
) {
    buffer.removeAll(keepingCapacity: true)
    for index in input.indices { buffer.append(input[index]) }
    if let index = buffer.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) {
        if !keep.contains(buffer[index]) { buffer[index] = first }
    } else {
        buffer.append(first)
    }
}

/// Runs libFuzzer's driver with `callback` (the arguments are libFuzzer's: corpus directories
/// and `-flag=value` options).
public func runFuzzer(
    _ argc: Int32,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32 {
    var argc = argc
    var argv = unsafe argv
    return unsafe LLVMFuzzerRunDriver(&argc, &argv, callback)
}
