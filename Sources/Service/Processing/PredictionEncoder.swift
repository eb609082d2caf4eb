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

    public init(model: SVMModel, routes: RouteThresholds = RouteThresholds()) {
        thresholds = [model.threshold] + routes.rules.map(\.threshold)
        middles = thresholds.map { threshold in
            Array(",\"threshold\":\(Self.number(threshold)),\"model\":\(JSONText.quoted(model.identifier))".utf8)
                + Array(",\"source\":{\"topic\":".utf8)
        }
    }

    /// The contract's rule: anomalous when the decision value is above the threshold (the model's,
    /// or with `route` the route rule's, ``RouteThresholds/rule(forPath:)`` + 1).
    public func isAnomalous(_ score: Float, route: Int = 0) -> Bool { score > thresholds[route] }

    /// The prediction for `source`; without a request id, the id is `<topic>/<partition>/<offset>`.
    public func encode(id: String?, score: Float, anomalous: Bool, source: KafkaMessage) -> [UInt8] {
        guard var id else { return unsafe encode(idBytes: nil, score: score, anomalous: anomalous, source: source) }
        return id.withUTF8 { bytes in unsafe encode(idBytes: bytes, score: score, anomalous: anomalous, source: source)
        }
    }

    /// As ``encode(id:score:anomalous:source:)`` with the id's UTF-8 bytes (e.g. straight from
    /// the parsed request), so no intermediate string is built.
    public func encode(
        idBytes: UnsafeBufferPointer<UInt8>?,
        score: Float,
        anomalous: Bool,
        source: KafkaMessage,
        route: Int = 0,
        explanation: [UInt8]? = nil
    ) -> [UInt8] {
        let middle = middles[route]
        var topic = source.topic
        return topic.withUTF8 { topicBytes in
            var out: [UInt8] = []
            out.reserveCapacity(96 + middle.count + 2 * (unsafe idBytes?.count ?? 0) + 2 * topicBytes.count)
            out.append(contentsOf: Self.openingBytes)
            if let idBytes = unsafe idBytes {
                unsafe JSONText.appendQuoted(idBytes, to: &out)
            } else {
                var fallback = "\(source.topic)/\(source.partition)/\(source.offset)"
                fallback.withUTF8 { bytes in unsafe JSONText.appendQuoted(bytes, to: &out) }
            }
            out.append(contentsOf: anomalous ? Self.anomalousBytes : Self.normalBytes)
            var scoreText = Self.number(score)  // short: Swift keeps it inline, no allocation
            scoreText.withUTF8 { bytes in unsafe out.append(contentsOf: bytes) }
            if let explanation { out.append(contentsOf: explanation) }
            out.append(contentsOf: middle)
            unsafe JSONText.appendQuoted(topicBytes, to: &out)
            out.append(contentsOf: Self.partitionBytes)
            JSONText.appendInteger(Int64(source.partition), to: &out)
            out.append(contentsOf: Self.offsetBytes)
            JSONText.appendInteger(source.offset, to: &out)
            out.append(contentsOf: Self.closingBytes)
            return out
        }
    }

    /// `,"explanation":[{"block":…,"feature":…,"contribution":…},…]`, for ``encode(idBytes:score:anomalous:source:route:explanation:)``.
    public static func explanationBytes(_ terms: [FeatureContribution]) -> [UInt8] {
        var out = Array(",\"explanation\":[".utf8)
        for (index, term) in terms.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"block\":\(JSONText.quoted(term.block)),\"feature\":\(JSONText.quoted(term.feature)),\"contribution\":\(number(term.contribution))}".utf8)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    private static let openingBytes = Array("{\"id\":".utf8)
    private static let anomalousBytes = Array(",\"anomalous\":true,\"score\":".utf8)
    private static let normalBytes = Array(",\"anomalous\":false,\"score\":".utf8)
    private static let partitionBytes = Array(",\"partition\":".utf8)
    private static let offsetBytes = Array(",\"offset\":".utf8)
    private static let closingBytes = Array("}}".utf8)

    /// A finite float as a JSON number (Swift's shortest round-trip form is valid JSON).
    static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : "0"
    }
}
