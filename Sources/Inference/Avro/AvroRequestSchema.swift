/// The project's reference request schema: the JSON input contract (docs/CONTRACT.md) as an Avro
/// record, `anomaly.v1.AnomalyRequest`. The same text, pretty-printed, is docs/schemas/request.avsc
/// (a test keeps the two equal).
///
/// Producers may register any schema with a path (or query) field the default
/// ``AvroFieldMapping`` finds; this one is what the demo, the tests and the benchmarks write.
public enum AvroRequestSchema {
    /// The schema's JSON text.
    public static let json =
        #"{"type":"record","name":"AnomalyRequest","namespace":"anomaly.v1","#
        + #""doc":"One web request for anomaly-service (docs/CONTRACT.md); the Avro form of the JSON input contract.","#
        + #""fields":["#
        + #"{"name":"id","type":["null","string"],"default":null},"#
        + #"{"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null},"#
        + #"{"name":"method","type":["null","string"],"default":null},"#
        + #"{"name":"path","type":"string"},"#
        + #"{"name":"query","type":["null","string"],"default":null},"#
        + #"{"name":"protocol","type":["null","string"],"default":null},"#
        + #"{"name":"headers","type":["null",{"type":"map","values":"string"}],"default":null},"#
        + #"{"name":"body","type":["null","string"],"default":null},"#
        + #"{"name":"remote_addr","type":["null","string"],"default":null}"#
        + "]}"

    /// The schema, parsed.
    public static let schema: AvroSchema = {
        do {
            return try AvroSchema(parsing: json)
        } catch {
            preconditionFailure("the reference request schema does not parse: \(error)")
        }
    }()

    /// The Avro binary body (no wire header) of `request` in the reference schema. `headers` go
    /// into the `headers` map in order; the request's user agent and referer are added as
    /// `User-Agent` and `Referer` unless `headers` has them (any case). A missing path is written
    /// as the empty string (`path` is required). Allocates: for producers, tests and benchmarks.
    public static func encode(_ request: HTTPRequest, headers: [(String, String)] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (request.path?.utf8.count ?? 0) + (request.body?.utf8.count ?? 0))
        appendOptional(request.id, to: &out)
        if let timestamp = request.timestamp {
            AvroBinary.appendUnionIndex(1, to: &out)
            AvroBinary.appendLong(timestamp, to: &out)
        } else {
            AvroBinary.appendUnionIndex(0, to: &out)
        }
        appendOptional(request.method, to: &out)
        AvroBinary.appendString(request.path ?? "", to: &out)
        appendOptional(request.query, to: &out)
        appendOptional(request.protocolVersion, to: &out)
        var entries = headers
        func has(_ name: String) -> Bool { entries.contains { $0.0.lowercased() == name } }
        if let userAgent = request.userAgent, !has("user-agent") { entries.append(("User-Agent", userAgent)) }
        if let referer = request.referer, !has("referer"), !has("referrer") { entries.append(("Referer", referer)) }
        if entries.isEmpty {
            AvroBinary.appendUnionIndex(0, to: &out)
        } else {
            AvroBinary.appendUnionIndex(1, to: &out)
            AvroBinary.appendLong(Int64(entries.count), to: &out)
            for (name, value) in entries {
                AvroBinary.appendString(name, to: &out)
                AvroBinary.appendString(value, to: &out)
            }
            AvroBinary.appendLong(0, to: &out)
        }
        appendOptional(request.body, to: &out)
        appendOptional(request.remoteAddress, to: &out)
        return out
    }

    /// A `["null", "string"]` value.
    private static func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value {
            AvroBinary.appendUnionIndex(1, to: &out)
            AvroBinary.appendString(value, to: &out)
        } else {
            AvroBinary.appendUnionIndex(0, to: &out)
        }
    }
}
