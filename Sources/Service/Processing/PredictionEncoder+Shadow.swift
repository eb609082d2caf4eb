import Inference
import Kafka

extension PredictionEncoder {
    /// `{"score":<s>,"anomalous":<b>,"model":<quoted name@version>}`: a verdict in the prediction's
    /// `shadow` field and in a shadow record.
    func appendVerdict(score: Float, anomalous: Bool, model quoted: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: Self.verdictScoreBytes)
        out.append(contentsOf: Self.number(score).utf8)
        out.append(contentsOf: anomalous ? Self.verdictAnomalousBytes : Self.verdictNormalBytes)
        out.append(contentsOf: quoted)
        out.append(UInt8(ascii: "}"))
    }

    /// A shadow record's value (`shadow-output`, docs/CONTRACT.md "Shadow verdicts"):
    /// `{"id":…,"shadow":{verdict},"main":{verdict},"source":{"topic":…,"partition":…,"offset":…}}`,
    /// always JSON, so a consumer joins it to the prediction by id or source.
    func encodeShadowRecord(
        idBytes: Span<UInt8>?,
        main: Verdict,
        shadow: (score: Float, anomalous: Bool),
        source: KafkaMessage
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + 2 * (idBytes?.count ?? 0) + quotedModel.count + quotedShadowModel.count)
        out.append(contentsOf: Self.openingBytes)
        appendID(idBytes, source: source, to: &out)
        out.append(contentsOf: Self.shadowFieldBytes)
        appendVerdict(score: shadow.score, anomalous: shadow.anomalous, model: quotedShadowModel, to: &out)
        out.append(contentsOf: Self.recordMainBytes)
        appendVerdict(score: main.score, anomalous: main.anomalous, model: quotedModel, to: &out)
        out.append(contentsOf: Self.recordSourceBytes)
        appendSourceFields(source, to: &out)
        out.append(contentsOf: Self.recordClosingBytes)
        return out
    }

    /// The Avro form's `shadow` field: the union's null, or its `ShadowVerdict` record.
    func appendAvroShadow(_ shadow: (score: Float, anomalous: Bool)?, to out: inout [UInt8]) {
        guard let shadow else {
            AvroBinary.appendUnionIndex(0, to: &out)
            return
        }
        AvroBinary.appendUnionIndex(1, to: &out)
        AvroBinary.appendDouble(Double(shadow.score), to: &out)
        AvroBinary.appendBoolean(shadow.anomalous, to: &out)
        let model = shadowIdentifierBytes
        AvroBinary.appendString(model.span, to: &out)
    }

    private static let verdictScoreBytes = Array("{\"score\":".utf8)
    private static let verdictAnomalousBytes = Array(",\"anomalous\":true,\"model\":".utf8)
    private static let verdictNormalBytes = Array(",\"anomalous\":false,\"model\":".utf8)
    private static let recordMainBytes = Array(",\"main\":".utf8)
    private static let recordClosingBytes = Array("}}".utf8)
    private static let recordSourceBytes = Array(",\"source\":{\"topic\":".utf8)
}
