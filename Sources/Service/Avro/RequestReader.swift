import Inference

/// One worker's reader of message values: the input format's parser or decoder into the
/// worker's reusable ``ParsedRequest``.
///
/// Avro records in the Confluent wire format name their writer schema by registry id. The
/// reader keeps the decoders it has used (the last one first, then a dictionary), so the shared
/// ``AvroSchemaCatalog`` is asked only for an id this worker has not seen; there the worker may
/// wait while the registry is down (back-pressure).
///
/// Not thread-safe: one per worker.
final class RequestReader {
    /// What reading one value gave.
    enum Outcome {
        /// `request` holds the request.
        case parsed
        /// The value is not a request: dead-letter it with this reason code and detail (and the
        /// writer schema's id, for Avro).
        case refused(code: String, detail: String, schemaID: UInt32?)
        /// The registry did not answer before shutdown: leave the record unanswered.
        case gaveUp
    }

    private let decoding: RequestDecoding
    private let parser: RequestParser
    private var decoders: [UInt32: AvroRequestDecoder] = [:]
    private var lastID: UInt32 = 0
    private var lastDecoder: AvroRequestDecoder?

    init(decoding: RequestDecoding, parser: RequestParser) {
        self.decoding = decoding
        self.parser = parser
    }

    /// Reads `value` into `request`.
    func read(_ value: [UInt8], into request: ParsedRequest) -> Outcome {
        let span = value.span
        switch decoding.format {
        case .auto:
            if let first = span.isEmpty ? nil : span[0], first == ConfluentWireFormat.magicByte {
                return readWireFormat(span, into: request)
            }
            return parse(span, into: request)
        case .json, .clf:
            if let refusal = wrongTextFormat(span) { return refusal }
            return parse(span, into: request)
        case .avro:
            if let local = decoding.localDecoder {
                return decoded(local.decode(span, into: request), schemaID: nil)
            }
            return readWireFormat(span, into: request)
        }
    }

    private func parse(_ span: Span<UInt8>, into request: ParsedRequest) -> Outcome {
        guard let failure = parser.parseReason(span, into: request) else { return .parsed }
        return .refused(code: failure.rawValue, detail: InferenceProcessor.explain(failure), schemaID: nil)
    }

    /// With `input-format json` a value that is not a JSON object is refused before parsing (and
    /// with `clf` one that is), so a mixed-up topic is reported as such.
    private func wrongTextFormat(_ span: Span<UInt8>) -> Outcome? {
        // Only whitespace: the parser's own refusal (`empty`).
        guard let first = RequestParser.formatByte(of: span) else { return nil }
        let isObject = first == UInt8(ascii: "{")
        if decoding.format == .json && !isObject {
            return .refused(
                code: RequestParseError.notJSONObject.rawValue,
                detail: "input-format is json and the value is not a JSON object",
                schemaID: nil
            )
        }
        if decoding.format == .clf && isObject {
            return .refused(
                code: RequestParseError.clfMalformed.rawValue,
                detail: "input-format is clf and the value is a JSON object, not an access-log line",
                schemaID: nil
            )
        }
        return nil
    }

    private func readWireFormat(_ span: Span<UInt8>, into request: ParsedRequest) -> Outcome {
        guard let id = ConfluentWireFormat.schemaID(of: span) else {
            return .refused(
                code: AvroRefusal.notAvro,
                detail: decoding.format == .avro
                    ? "input-format is avro and the value is not in the Confluent wire format (a zero byte, a 4-byte schema id, the Avro body)"
                    : "the value starts with a zero byte but is too short for the Confluent wire format (a zero byte, a 4-byte schema id, the Avro body)",
                schemaID: nil
            )
        }
        let body = span.extracting(ConfluentWireFormat.headerSize...)
        if id == lastID, let decoder = lastDecoder {
            return decoded(decoder.decode(body, into: request), schemaID: id)
        }
        if let decoder = decoders[id] {
            lastID = id
            lastDecoder = decoder
            return decoded(decoder.decode(body, into: request), schemaID: id)
        }
        guard let catalog = decoding.catalog else {
            return .refused(
                code: AvroRefusal.noSchemaRegistry,
                detail:
                    "the value is an Avro record in the Confluent wire format (schema \(id)) and no schema-registry is configured",
                schemaID: id
            )
        }
        switch catalog.decoder(for: id) {
        case .ready(let decoder):
            decoders[id] = decoder
            lastID = id
            lastDecoder = decoder
            return decoded(decoder.decode(body, into: request), schemaID: id)
        case .refused(let code, let detail):
            return .refused(code: code, detail: detail, schemaID: id)
        case .gaveUp:
            return .gaveUp
        }
    }

    private func decoded(_ error: AvroDecodeError?, schemaID: UInt32?) -> Outcome {
        guard let error else { return .parsed }
        if error == .missingPath {
            return .refused(
                code: RequestParseError.missingPath.rawValue,
                detail: "the record has neither a path nor a query",
                schemaID: schemaID
            )
        }
        let schema = schemaID.map { "schema \($0)" } ?? "the avro-schema file's schema"
        return .refused(
            code: AvroRefusal.avroMalformed,
            detail: "the record does not decode with \(schema): \(error.explanation)",
            schemaID: schemaID
        )
    }
}

/// Dead-letter reason codes of Avro input (docs/CONTRACT.md, "Refusal reasons").
public enum AvroRefusal {
    /// `input-format avro` and the value is not in the Confluent wire format.
    public static let notAvro = "notAvro"
    /// A record in the wire format, and no registry to look its schema up in.
    public static let noSchemaRegistry = "noSchemaRegistry"
    /// The registry has no schema with the record's id.
    public static let unknownSchema = "unknownSchema"
    /// The registry's schema for the id cannot be used: not Avro, invalid, recursive, too large,
    /// not a record, or without a path or query field.
    public static let schemaUnusable = "schemaUnusable"
    /// The record does not decode with its writer schema.
    public static let avroMalformed = "avroMalformed"
}
