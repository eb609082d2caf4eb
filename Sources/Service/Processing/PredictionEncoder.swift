import Inference
import Kafka

/// Writes the output contract's prediction JSON (docs/CONTRACT.md):
/// `{"id":…,"anomalous":…,"score":…,"threshold":…,"model":"name@version","source":{"topic":…,"partition":…,"offset":…}}`.
///
/// The parts that are the same for every prediction of a model are escaped once, here.
public struct PredictionEncoder: Sendable {
    private let threshold: Float
    private let thresholdText: String
    private let modelText: String

    public init(model: SVMModel) {
        threshold = model.threshold
        thresholdText = Self.number(model.threshold)
        modelText = JSONText.quoted(model.identifier)
    }

    /// The contract's rule: anomalous when the decision value is above the threshold.
    public func isAnomalous(_ score: Float) -> Bool { score > threshold }

    /// The prediction for `source`; without a request id, the id is `<topic>/<partition>/<offset>`.
    public func encode(id: String?, score: Float, anomalous: Bool, source: KafkaMessage) -> [UInt8] {
        let idText = JSONText.quoted(id ?? "\(source.topic)/\(source.partition)/\(source.offset)")
        var json = "{\"id\":"
        json.reserveCapacity(160 + idText.utf8.count + source.topic.utf8.count)
        json += idText
        json += anomalous ? ",\"anomalous\":true,\"score\":" : ",\"anomalous\":false,\"score\":"
        json += Self.number(score)
        json += ",\"threshold\":"
        json += thresholdText
        json += ",\"model\":"
        json += modelText
        json += ",\"source\":{\"topic\":"
        json += JSONText.quoted(source.topic)
        json += ",\"partition\":"
        json += String(source.partition)
        json += ",\"offset\":"
        json += String(source.offset)
        json += "}}"
        return Array(json.utf8)
    }

    /// A finite float as a JSON number (Swift's shortest round-trip form is valid JSON).
    static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : "0"
    }
}
