import Inference
import Kafka

/// Writes the output contract's prediction JSON (docs/CONTRACT.md):
/// `{"id":…,"anomalous":…,"score":…,"threshold":…,"model":"name@version","source":{"topic":…,"partition":…,"offset":…}}`.
///
/// Bytes are appended straight into the output array (one allocation per prediction); the parts
/// that are the same for every prediction of a model are escaped once, here.
public struct PredictionEncoder: Sendable {
    /// Index 0: the model's threshold; `i + 1`: ``RouteThresholds/rules`` `[i]`.
    private let thresholds: [Float]
    /// Per threshold: `,"threshold":<t>,"model":"<name@version>","source":{"topic":`
    private let middles: [[UInt8]]
    /// Per model category: `,"category":"<name>"`.
    private let categoryBytes: [[UInt8]]

    /// What the model said of one request, for ``encode(idBytes:verdict:source:)``.
    package struct Verdict {
        package var score: Float
        package var anomalous: Bool
        /// Index 0: the model's threshold; `i + 1`: route rule `i`.
        package var route: Int = 0
        /// Part models: the part whose score decided.
        package var part: RequestPart?
        /// Part models, anomalous requests: an index into the model's categories.
        package var category: Int?
        /// The largest terms of the score (`--explain`), largest first.
        package var explanation: [FeatureContribution]?
        /// The shadow model's score and verdict on the same request (`shadow-model`), written
        /// as the prediction's `shadow` field.
        package var shadow: (score: Float, anomalous: Bool)?

        package init(
            score: Float,
            anomalous: Bool,
            route: Int = 0,
            part: RequestPart? = nil,
            category: Int? = nil,
            explanation: [FeatureContribution]? = nil
        ) {
            self.score = score
            self.anomalous = anomalous
            self.route = route
            self.part = part
            self.category = category
            self.explanation = explanation
        }
    }

    /// How a prediction names its input: a Kafka record, or (offline, `score`) a file and line,
    /// carried in the message's topic and offset.
    public enum SourceStyle: Sendable {
        /// `"source":{"topic":…,"partition":…,"offset":…}`
        case kafka
        /// `"source":{"file":<topic>,"line":<offset>}`
        case file
    }

    private let sourceStyle: SourceStyle
    private let format: PredictionFormat
    /// `name@version`, and the category names, for the Avro form.
    let modelIdentifierBytes: [UInt8]
    let categoryNames: [String]
    /// The main and shadow models' `name@version`, quoted, for shadow verdicts (`"…"`).
    let quotedModel: [UInt8]
    let quotedShadowModel: [UInt8]
    /// The shadow model's `name@version` for the Avro form (empty without one).
    let shadowIdentifierBytes: [UInt8]

    package init(
        model: SVMModel,
        routes: RouteThresholds = RouteThresholds(),
        sourceStyle: SourceStyle = .kafka,
        format: PredictionFormat = .json,
        shadow: SVMModel? = nil
    ) {
        self.sourceStyle = sourceStyle
        self.format = format
        modelIdentifierBytes = Array(model.identifier.utf8)
        quotedModel = Array(JSONText.quoted(model.identifier).utf8)
        quotedShadowModel = Array(JSONText.quoted(shadow?.identifier ?? "").utf8)
        shadowIdentifierBytes = Array((shadow?.identifier ?? "").utf8)
        categoryNames = model.categories
        thresholds = [model.threshold] + routes.rules.map(\.threshold)
        let opening = sourceStyle == .kafka ? ",\"source\":{\"topic\":" : ",\"source\":{\"file\":"
        middles = thresholds.map { threshold in
            Array(",\"threshold\":\(Self.number(threshold)),\"model\":\(JSONText.quoted(model.identifier))".utf8)
                + Array(opening.utf8)
        }
        categoryBytes = model.categories.map { Array(",\"category\":\(JSONText.quoted($0))".utf8) }
    }

    /// The contract's rule: anomalous when the decision value is above the threshold (the model's,
    /// or with `route` the route rule's, ``RouteThresholds/rule(forPath:)`` + 1).
    func isAnomalous(_ score: Float, route: Int = 0) -> Bool { score > thresholds[route] }

    /// The threshold of `route` (0: the model's).
    func threshold(route: Int) -> Float { thresholds[route] }

    /// The prediction for `source`; without a request id, the id is `<topic>/<partition>/<offset>`
    /// (offline: `<file>:<line>`).
    package func encode(id: String?, score: Float, anomalous: Bool, source: KafkaMessage) -> [UInt8] {
        let verdict = Verdict(score: score, anomalous: anomalous)
        guard let id else { return encode(idBytes: nil, verdict: verdict, source: source) }
        return encode(idBytes: id.utf8.span, verdict: verdict, source: source)
    }

    /// As ``encode(id:score:anomalous:source:)`` with the id's UTF-8 bytes (e.g. straight from
    /// the parsed request), so no intermediate string is built.
    package func encode(idBytes: Span<UInt8>?, verdict: Verdict, source: KafkaMessage) -> [UInt8] {
        if case .avro(let schemaID) = format {
            return encodeAvro(idBytes: idBytes, verdict: verdict, source: source, schemaID: schemaID)
        }
        let middle = middles[verdict.route]
        let anomalous = verdict.anomalous
        var out: [UInt8] = []
        out.reserveCapacity(
            96 + middle.count + 2 * (idBytes?.count ?? 0) + 2 * source.topic.utf8.count
                + (verdict.shadow == nil ? 0 : 64 + quotedShadowModel.count)
        )
        out.append(contentsOf: Self.openingBytes)
        appendID(idBytes, source: source, to: &out)
        out.append(contentsOf: anomalous ? Self.anomalousBytes : Self.normalBytes)
        let scoreText = Self.number(verdict.score)  // short: Swift keeps it inline, no allocation
        out.append(contentsOf: scoreText.utf8)
        if let category = verdict.category { out.append(contentsOf: categoryBytes[category]) }
        if let part = verdict.part {
            out.append(contentsOf: Self.partBytes)
            out.append(contentsOf: RequestPart.nameBytes[Int(part.rawValue)])
            out.append(UInt8(ascii: "\""))
        }
        if let explanation = verdict.explanation { Self.appendExplanation(explanation, to: &out) }
        out.append(contentsOf: middle)
        appendSourceFields(source, to: &out)
        out.append(UInt8(ascii: "}"))
        if let shadow = verdict.shadow {
            out.append(contentsOf: Self.shadowFieldBytes)
            appendVerdict(score: shadow.score, anomalous: shadow.anomalous, model: quotedShadowModel, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The request id, quoted; without one `<topic>/<partition>/<offset>` (offline:
    /// `<file>:<line>`).
    func appendID(_ idBytes: Span<UInt8>?, source: KafkaMessage, to out: inout [UInt8]) {
        if let idBytes {
            JSONText.appendQuoted(idBytes, to: &out)
        } else {
            let fallback =
                sourceStyle == .kafka
                ? "\(source.topic)/\(source.partition)/\(source.offset)" : "\(source.topic):\(source.offset)"
            JSONText.appendQuoted(fallback.utf8.span, to: &out)
        }
    }

    /// The `source` object's members after `{"topic":` (offline: `{"file":`), without its `}`.
    func appendSourceFields(_ source: KafkaMessage, to out: inout [UInt8]) {
        JSONText.appendQuoted(source.topic.utf8.span, to: &out)
        if sourceStyle == .kafka {
            out.append(contentsOf: Self.partitionBytes)
            JSONText.appendInteger(Int64(source.partition), to: &out)
            out.append(contentsOf: Self.offsetBytes)
        } else {
            out.append(contentsOf: Self.lineBytes)
        }
        JSONText.appendInteger(source.offset, to: &out)
    }

    /// `,"explanation":[{"block":…,"feature":…,"contribution":…},…]`, for ``Verdict/explanation``.
    static func appendExplanation(_ terms: [FeatureContribution], to out: inout [UInt8]) {
        out += Array(",\"explanation\":[".utf8)
        for (index, term) in terms.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(
                "{\"block\":\(JSONText.quoted(term.block)),\"feature\":\(JSONText.quoted(term.feature)),\"contribution\":\(number(term.contribution))}"
                    .utf8
            )
        }
        out.append(UInt8(ascii: "]"))
    }

    static let openingBytes = Array("{\"id\":".utf8)
    private static let anomalousBytes = Array(",\"anomalous\":true,\"score\":".utf8)
    private static let normalBytes = Array(",\"anomalous\":false,\"score\":".utf8)
    private static let partBytes = Array(",\"part\":\"".utf8)
    private static let partitionBytes = Array(",\"partition\":".utf8)
    private static let lineBytes = Array(",\"line\":".utf8)
    private static let offsetBytes = Array(",\"offset\":".utf8)
    static let shadowFieldBytes = Array(",\"shadow\":".utf8)

    /// A finite float as a JSON number (Swift's shortest round-trip form is valid JSON).
    static func number(_ value: Float) -> String {
        // `description`, not interpolation: the same shortest form without the interpolation
        // buffer (a small string, kept inline).
        value.isFinite ? value.description : "0"
    }
}
