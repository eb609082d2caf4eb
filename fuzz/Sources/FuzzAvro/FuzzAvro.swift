import FuzzSupport
import Inference

// Avro: the first byte selects the mode, the rest is the input.
//   byte % 8 == 7: the rest is a schema text (AvroSchema parsing is total; what parses has a
//                  stable canonical form, can read its own data, and, when it compiles into a
//                  decoder, decodes a fixed body without crashing);
//   even:          the rest is a body for the reference request schema;
//   otherwise:     the rest is a body for a richer writer (nested record, array, map, enum,
//                  fixed, a union of several branches, headers as name/value records).
// Every decode must be deterministic and keep each field within its capacity; what decodes is
// scored by the default part model (FuzzHarness.checkParts).
// libFuzzer calls back on one thread: the shared state is `nonisolated(unsafe)`, each use marked.
nonisolated(unsafe) let harness = FuzzHarness()

/// The richer writer; the same shape as the `rich` test vector's schema.
let richSchema = #"""
    {"type": "record", "name": "Envelope", "namespace": "fuzz",
     "fields": [
      {"name": "id", "type": ["null", "long", "string"]},
      {"name": "flag", "type": "boolean"},
      {"name": "ratio", "type": "float"},
      {"name": "score", "type": "double"},
      {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
      {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}},
      {"name": "ts", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
      {"name": "tags", "type": {"type": "array", "items": "string"}},
      {"name": "attrs", "type": {"type": "map", "values": {"type": "array", "items": "int"}}},
      {"name": "choice", "type": ["null", "int", "string", "Hash", "Colour", {"type": "array", "items": "long"},
                                  {"type": "map", "values": "bytes"}]},
      {"name": "request", "type": ["null", {"type": "record", "name": "Request", "fields": [
        {"name": "verb", "type": "string"},
        {"name": "uri", "type": ["null", "string", "bytes"]},
        {"name": "args", "type": ["null", "string"]},
        {"name": "peer", "type": {"type": "record", "name": "Peer", "fields": [
          {"name": "ip", "type": ["null", "string"]}, {"name": "port", "type": "int"}]}}]}]},
      {"name": "headers", "type": ["null", {"type": "array", "items": {"type": "record", "name": "Header",
        "fields": [{"name": "value", "type": "string"}, {"name": "extra", "type": "Hash"},
                   {"name": "name", "type": "string"}]}}]},
      {"name": "user_agent", "type": ["null", "string"]},
      {"name": "body", "type": ["null", "bytes"]},
      {"name": "empties", "type": {"type": "array", "items": "null"}},
      {"name": "trailer", "type": {"type": "array", "items": "Peer"}}
     ]}
    """#

nonisolated(unsafe) let referenceDecoder = makeDecoder(AvroRequestSchema.json, mapping: .default)
nonisolated(unsafe) let richDecoder: AvroRequestDecoder = {
    var mapping = AvroFieldMapping.default
    mapping.map(.path, to: "request.uri")
    mapping.map(.query, to: "request.args")
    mapping.map(.method, to: "request.verb")
    mapping.map(.remoteAddress, to: "request.peer.ip")
    return makeDecoder(richSchema, mapping: mapping)
}()

func makeDecoder(_ schema: String, mapping: AvroFieldMapping) -> AvroRequestDecoder {
    do {
        return try AvroRequestDecoder(writerSchema: AvroSchema(parsing: schema), mapping: mapping)
    } catch {
        fatalError("FuzzAvro: cannot compile \(schema): \(error)")
    }
}

/// A body every schema mode decodes (most schemas refuse it).
let fixedBody: [UInt8] = [0x02, 0x02, 0x2F, 0x00, 0x04, 0x61, 0x62, 0x00]

/// Decodes `body` twice: the same outcome and the same field lengths, each within capacity.
func checkDecode(_ decoder: AvroRequestDecoder, _ body: Span<UInt8>) {
    let request = unsafe harness.request
    let first = decoder.decode(body, into: request)
    let limits = request.limits
    for field in RequestField.allCases where request.count(of: field) > limits.capacity(of: field) {
        fatalError("field \(field) holds \(request.count(of: field)) bytes, capacity \(limits.capacity(of: field))")
    }
    let lengths = RequestField.allCases.map { request.count(of: $0) }
    let timestamp = request.timestamp
    let second = decoder.decode(body, into: request)
    guard first == second, lengths == RequestField.allCases.map({ request.count(of: $0) }),
        timestamp == request.timestamp
    else {
        fatalError("decoding is not deterministic: \(String(describing: first)) then \(String(describing: second))")
    }
    if first == nil {
        guard request.isPresent(.path) || request.isPresent(.query), request.format == .avro else {
            fatalError("decoded without a path or query")
        }
        unsafe harness.checkParts()
    }
}

func checkSchema(_ text: Span<UInt8>) {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count)
    for index in text.indices { bytes.append(text[index]) }
    guard let schema = try? AvroSchema(parsing: bytes) else { return }
    // The canonical form may name a null-namespace type inside a namespaced one without a
    // namespace (a limitation of the specification's form), so it may read back differently
    // once; after that it must be stable.
    if let again = try? AvroSchema(parsing: schema.canonicalForm),
        let third = try? AvroSchema(parsing: again.canonicalForm)
    {
        guard third.canonicalForm == again.canonicalForm, third.fingerprint == again.fingerprint else {
            fatalError("the canonical form \(again.canonicalForm) does not parse to itself")
        }
    }
    guard schema.incompatibilities(readingDataWrittenWith: schema).isEmpty else {
        fatalError("\(schema.canonicalForm) cannot read its own data")
    }
    _ = schema.incompatibilities(readingDataWrittenWith: AvroRequestSchema.schema)
    if let decoder = try? AvroRequestDecoder(writerSchema: schema) {
        let body = fixedBody
        checkDecode(decoder, body.span)
    }
}

func fuzzAvro(_ input: Span<UInt8>) -> CInt {
    guard !input.isEmpty else { return 0 }
    let mode = input[0]
    let rest = input.extracting(1...)
    if mode % 8 == 7 {
        checkSchema(rest)
    } else if mode % 2 == 0 {
        checkDecode(unsafe referenceDecoder, rest)
    } else {
        checkDecode(unsafe richDecoder, rest)
    }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzAvro_main")
public func fuzzAvroMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let arguments = (0..<Int(argc)).map { unsafe String(cString: argv![$0]!) }
    if arguments.count > 1, arguments[1] == "--seeds" { return writeSeeds(Array(arguments.dropFirst(2))) }
    _ = unsafe harness
    _ = unsafe referenceDecoder
    _ = unsafe richDecoder
    return unsafe runFuzzer(argc, argv) { data, size in
        unsafe data.map { unsafe fuzzAvro(Span(_unsafeStart: $0, count: size)) } ?? 0
    }
}
