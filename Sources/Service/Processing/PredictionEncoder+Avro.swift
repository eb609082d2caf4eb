import Inference
import Kafka

extension PredictionEncoder {
    /// The prediction as ``PredictionSchema``'s record in the Confluent wire format: the same
    /// fields as the JSON form, in the schema's order.
    func encodeAvro(idBytes: Span<UInt8>?, verdict: Verdict, source: KafkaMessage, schemaID: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + modelIdentifierBytes.count + 2 * source.topic.utf8.count + (idBytes?.count ?? 0))
        ConfluentWireFormat.appendHeader(schemaID: schemaID, to: &out)
        if let idBytes {
            AvroBinary.appendString(idBytes, to: &out)
        } else {
            AvroBinary.appendString("\(source.topic)/\(source.partition)/\(source.offset)", to: &out)
        }
        AvroBinary.appendBoolean(verdict.anomalous, to: &out)
        AvroBinary.appendDouble(Double(verdict.score), to: &out)
        if let category = verdict.category {
            AvroBinary.appendUnionIndex(1, to: &out)
            AvroBinary.appendString(categoryNames[category], to: &out)
        } else {
            AvroBinary.appendUnionIndex(0, to: &out)
        }
        if let part = verdict.part {
            AvroBinary.appendUnionIndex(1, to: &out)
            let name = RequestPart.nameBytes[Int(part.rawValue)]
            AvroBinary.appendString(name.span, to: &out)
        } else {
            AvroBinary.appendUnionIndex(0, to: &out)
        }
        if let terms = verdict.explanation {
            AvroBinary.appendUnionIndex(1, to: &out)
            // One block of all the terms, then the empty block that ends an array.
            if !terms.isEmpty {
                AvroBinary.appendLong(Int64(terms.count), to: &out)
                for term in terms {
                    AvroBinary.appendString(term.block, to: &out)
                    AvroBinary.appendString(term.feature, to: &out)
                    AvroBinary.appendDouble(Double(term.contribution), to: &out)
                }
            }
            AvroBinary.appendLong(0, to: &out)
        } else {
            AvroBinary.appendUnionIndex(0, to: &out)
        }
        AvroBinary.appendDouble(Double(threshold(route: verdict.route)), to: &out)
        let model = modelIdentifierBytes
        AvroBinary.appendString(model.span, to: &out)
        AvroBinary.appendString(source.topic, to: &out)
        AvroBinary.appendInt(source.partition, to: &out)
        AvroBinary.appendLong(source.offset, to: &out)
        appendAvroShadow(verdict.shadow, to: &out)
        return out
    }
}
