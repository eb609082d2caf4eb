import Inference
import Kafka
import Platform

/// The real processor: parse each request, featurise it into the scorer's batch matrix, score the
/// micro-batch with BLAS, and answer each record with a contract prediction (docs/CONTRACT.md) or
/// a dead letter naming why it could not be parsed or scored.
///
/// One per worker thread: the parser's request storage, the feature rows and the scorer's
/// matrices are allocated once here and reused for every batch.
public final class InferenceProcessor: BatchProcessor {
    private let parser: RequestParser
    private let reader: RequestReader
    private let request: ParsedRequest
    private let headers: HeaderCarrier
    /// The shared schema catalog, whose waits a stop limits (nil without a registry).
    private let catalog: AvroSchemaCatalog?
    /// Whole-request models (`http-ngram-v1/v2`): the extractor and batch scorer; nil for a part model.
    private let extractor: FeatureExtractor?
    private let scorer: BatchScorer?
    /// Part models (`http-parts-v3`): scores each request from its parts, names the deciding part
    /// and (for anomalous requests) the attack category.
    private let partScorer: PartScorer?
    /// Per scored request of a part model: its deciding part and category (-1: none asked).
    private var partOf: [RequestPart] = []
    private var categoryOf: [Int] = []
    private let maxBatch: Int
    private let encoder: PredictionEncoder
    /// Batch positions of the requests that parsed, and where their ids are in `idBytes`
    /// (`nil`: no id), for the current batch.
    private var scored: [Int] = []
    private var ids: [Range<Int>?] = []
    /// Per scored request: its threshold in the encoder (0: the model's; `i + 1`: route rule `i`).
    private var routeOf: [Int] = []
    private let routes: RouteThresholds
    /// Top terms to explain anomalous predictions with (0: none; linear models only).
    private let explainLimit: Int
    /// Per scored request: its explanation, or nil.
    private var explanations: [[FeatureContribution]?] = []
    private var idBytes: [UInt8] = []
    /// Per scorer row: the entries the last extraction into it wrote, so the next one clears only
    /// those instead of all 16,400 floats (the scorer's rows start zeroed). Kernel models only.
    private var rowWritten: [[Int32]]
    /// Linear models score each request as it is counted, from its n-gram counts, with no feature
    /// row at all (``BatchScorer/linearDecision(of:extractor:)``); kernel models fill the batch for
    /// one GEMM.
    private let scoresEachRow: Bool
    /// Decision values of the current batch's parsed requests, in `scored` order.
    private var scores: [Float] = []
    /// The shadow model (`shadow-model`), scoring the same requests in the same pass; nil: none.
    private let shadow: ShadowScorer?
    /// Shadow verdicts as records of their own (`shadow-output`) rather than a prediction field.
    private let shadowRecords: Bool

    /// - Parameters:
    ///   - model: a loaded, validated model; its feature configuration builds the extractor.
    ///   - maxBatch: the largest batch ``process(_:into:)`` will get.
    /// - Throws: ``InferenceError`` when the model's feature configuration is not one this build
    ///   can extract.
    public convenience init(
        model: SVMModel,
        maxBatch: Int,
        routes: RouteThresholds = RouteThresholds(),
        explain: Int = 0,
        sourceStyle: PredictionEncoder.SourceStyle = .kafka,
        shadow: SVMModel? = nil
    ) throws(InferenceError) {
        try self.init(
            model: model,
            maxBatch: maxBatch,
            options: ProcessorOptions(routes: routes, explain: explain),
            sourceStyle: sourceStyle,
            shadow: shadow
        )
    }

    /// - Parameters:
    ///   - model: a loaded, validated model; its feature configuration builds the extractor.
    ///   - maxBatch: the largest batch ``process(_:into:)`` will get.
    ///   - options: thresholds, explanations, carried headers, input and output formats.
    ///   - shadow: a second model scoring every request for comparison (docs/OPERATIONS.md,
    ///     "Trialling a model on live traffic"); its verdict never decides anything.
    /// - Throws: ``InferenceError`` when either model's feature configuration is not one this
    ///   build can extract.
    public init(
        model: SVMModel,
        maxBatch: Int,
        options: ProcessorOptions,
        sourceStyle: PredictionEncoder.SourceStyle = .kafka,
        shadow: SVMModel? = nil
    ) throws(InferenceError) {
        let routes = options.routes
        self.routes = routes
        explainLimit = model.kernel == .linear ? max(0, options.explain) : 0
        parser = RequestParser()
        reader = RequestReader(decoding: options.decoding, parser: parser)
        catalog = options.decoding.catalog
        headers = options.headers
        request = ParsedRequest(limits: parser.limits)
        self.maxBatch = maxBatch
        encoder = PredictionEncoder(
            model: model,
            routes: routes,
            sourceStyle: sourceStyle,
            format: options.predictions,
            shadow: shadow
        )
        if model.isPartModel {
            partScorer = try PartScorer(model: model, limits: parser.limits)
            extractor = nil
            scorer = nil
            scoresEachRow = true
        } else {
            let extractor = try FeatureExtractor(configuration: model.featureConfiguration(), limits: parser.limits)
            guard extractor.dimension == model.dimension else {
                throw .featureMismatch(
                    "model dimension \(model.dimension) but extractor dimension \(extractor.dimension)"
                )
            }
            self.extractor = extractor
            partScorer = nil
            scorer = BatchScorer(model: model, maxBatch: maxBatch)
            scoresEachRow = model.kernel == .linear && extractor.scoresWithoutRow
        }
        rowWritten = Array(repeating: [], count: scoresEachRow ? 0 : maxBatch)
        shadowRecords = options.shadowRecords
        if let shadow {
            self.shadow = try ShadowScorer(
                model: shadow,
                sharesRowsWith: scoresEachRow ? nil : extractor,
                maxBatch: maxBatch,
                limits: parser.limits
            )
        } else {
            self.shadow = nil
        }
        scores.reserveCapacity(maxBatch)
        scored.reserveCapacity(maxBatch)
        ids.reserveCapacity(maxBatch)
    }

    public func process(_ batch: [InputRecord], into outputs: inout [OutputRecord]) {
        var start = 0
        while start < batch.count {
            let end = min(batch.count, start + maxBatch)
            processChunk(batch, start..<end, into: &outputs)
            start = end
        }
    }

    private func processChunk(_ batch: [InputRecord], _ range: Range<Int>, into outputs: inout [OutputRecord]) {
        scored.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        routeOf.removeAll(keepingCapacity: true)
        explanations.removeAll(keepingCapacity: true)
        idBytes.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
        partOf.removeAll(keepingCapacity: true)
        categoryOf.removeAll(keepingCapacity: true)
        shadow?.reset()
        for index in range {
            let input = batch[index]
            switch reader.read(input.message.value, into: request) {
            case .parsed:
                break
            case .refused(let code, let detail, let schemaID):
                outputs.append(.deadLetter(for: input, error: code, detail: detail, schemaID: schemaID))
                continue
            case .gaveUp:
                outputs.append(.unanswered(input))
                continue
            }
            let route =
                routes.isEmpty
                ? 0 : request.withBytes(of: .path) { routes.rule(forPath: $0).map { $0 + 1 } ?? 0 }
            var explanation: [FeatureContribution]? = nil
            if let partScorer {
                let verdict = partScorer.score(request)
                scores.append(verdict.score)
                partOf.append(verdict.part)
                // The category and explanation of the deciding part: only anomalous ones pay.
                let anomalous = verdict.score.isFinite && encoder.isAnomalous(verdict.score, route: route)
                categoryOf.append(anomalous ? partScorer.category() ?? -1 : -1)
                if explainLimit > 0, anomalous {
                    explanation = partScorer.explanation(limit: explainLimit)
                }
            } else if scoresEachRow, let scorer, let extractor {
                let score = scorer.linearDecision(of: request, extractor: extractor)
                scores.append(score)
                // Explained now, while the request is parsed: only anomalous ones pay for it.
                if explainLimit > 0, score.isFinite, encoder.isAnomalous(score, route: route) {
                    explanation = scorer.explanation(of: request, extractor: extractor, limit: explainLimit)
                }
            } else if let scorer, let extractor {
                let rowIndex = scored.count
                scorer.withRow(rowIndex) { row in
                    extractor.extract(request, into: &row, clearing: &rowWritten[rowIndex])
                }
            }
            shadow?.add(
                request,
                row: scored.count,
                main: scorer,
                mainWritten: scoresEachRow ? [] : rowWritten[scored.count]
            )
            scored.append(index)
            routeOf.append(route)
            explanations.append(explanation)
            if request.isPresent(.id) {
                let start = idBytes.count
                request.appendBytes(of: .id, to: &idBytes)
                ids.append(start..<idBytes.count)
            } else {
                ids.append(nil)
            }
        }
        guard !scored.isEmpty else { return }
        if !scoresEachRow, let scorer {
            scorer.score(count: scored.count) { decisions in
                for index in decisions.indices { scores.append(decisions[index]) }
            }
        }
        shadow?.finish(count: scored.count)
        for (position, index) in scored.enumerated() {
            let input = batch[index]
            let score = scores[position]
            guard score.isFinite else {
                outputs.append(
                    .deadLetter(for: input, error: "unscorable", detail: "the model gave a non-finite score")
                )
                continue
            }
            let anomalous = encoder.isAnomalous(score, route: routeOf[position])
            let shadowVerdict = shadow?.verdict(at: position)
            var verdict = verdict(position, score: score, anomalous: anomalous)
            var output = OutputRecord(
                destination: .prediction,
                ticket: input.ticket,
                key: input.message.key,
                value: nil,
                headers: headers.carried(from: input.message.headers),
                receivedNanoseconds: input.receivedNanoseconds,
                anomalous: anomalous
            )
            if shadow != nil {
                // The shadow's verdict rides in the prediction, or becomes a record of its own
                // (then the prediction is exactly what it would be without a shadow).
                let record =
                    shadowRecords ? shadowVerdict.map { encodeShadowRecord(position, verdict, $0, input) } : nil
                if !shadowRecords { verdict.shadow = shadowVerdict }
                output.shadow = ShadowAnswer(anomalous: shadowVerdict?.anomalous, value: record)
            }
            output.value = encode(position, verdict: verdict, source: input.message)
            outputs.append(output)
        }
    }

    private func verdict(_ position: Int, score: Float, anomalous: Bool) -> PredictionEncoder.Verdict {
        PredictionEncoder.Verdict(
            score: score,
            anomalous: anomalous,
            route: routeOf[position],
            part: partOf.isEmpty ? nil : partOf[position],
            category: categoryOf.isEmpty || categoryOf[position] < 0 ? nil : categoryOf[position],
            explanation: explanations[position]
        )
    }

    private func encode(_ position: Int, verdict: PredictionEncoder.Verdict, source: KafkaMessage) -> [UInt8] {
        guard let range = ids[position] else { return encoder.encode(idBytes: nil, verdict: verdict, source: source) }
        let all = idBytes  // the array, not its bytes: a span of the property would outlive the access to it
        return encoder.encode(idBytes: all.span.extracting(range), verdict: verdict, source: source)
    }

    private func encodeShadowRecord(
        _ position: Int,
        _ main: PredictionEncoder.Verdict,
        _ shadow: (score: Float, anomalous: Bool),
        _ input: InputRecord
    ) -> [UInt8] {
        guard let range = ids[position] else {
            return encoder.encodeShadowRecord(idBytes: nil, main: main, shadow: shadow, source: input.message)
        }
        let all = idBytes
        return encoder.encodeShadowRecord(
            idBytes: all.span.extracting(range),
            main: main,
            shadow: shadow,
            source: input.message
        )
    }

    public func limitWaits(until deadline: MonotonicDeadline) {
        catalog?.limitWaits(until: deadline)
    }

    static func explain(_ error: RequestParseError) -> String {
        switch error {
        case .empty: "the value is empty"
        case .tooLarge: "the value is larger than the parser's input limit"
        case .invalidUTF8: "the value is not valid UTF-8"
        case .invalidJSON: "the value starts with '{' but is not valid JSON"
        case .notJSONObject: "the JSON value is not an object"
        case .truncated: "the JSON ends before the object closes"
        case .tooDeep: "the JSON nests deeper than the parser allows"
        case .wrongFieldType: "a request field has the wrong JSON type"
        case .invalidID: "the id is a number but not an integer of at most 64 bits (no fraction or exponent)"
        case .missingPath: "the request has no path"
        case .clfMalformed: "the line is not a JSON object nor a Combined Log Format line"
        }
    }
}
