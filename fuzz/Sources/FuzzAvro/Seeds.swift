import Foundation
import Inference

/// `FuzzAvro --seeds DIR FILE...`: writes a seed corpus into DIR from data set rows (JSON lines
/// in each FILE, the first 300 of each): every row as a reference-schema record
/// (``AvroRequestSchema/encode(_:headers:)``, mode byte 0) and as a rich-schema record (mode
/// byte 1), plus the two schemas' texts (mode byte 7).
func writeSeeds(_ arguments: [String]) -> Int32 {
    guard arguments.count >= 1 else {
        print("usage: FuzzAvro --seeds DIR FILE...")
        return 2
    }
    let directory = URL(fileURLWithPath: arguments[0])
    let parser = RequestParser()
    var written = 0
    func write(_ name: String, _ bytes: [UInt8]) {
        try? Data(bytes).write(to: directory.appendingPathComponent(name))
        written += 1
    }
    write("schema-reference", [7] + Array(AvroRequestSchema.json.utf8))
    write("schema-rich", [7] + Array(richSchema.utf8))
    for path in arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        for (index, line) in data.split(separator: 0x0A).prefix(300).enumerated() {
            guard let request = try? parser.parse(String(decoding: line, as: UTF8.self)) else { continue }
            write("\(name)-\(index).avro", [0] + AvroRequestSchema.encode(request))
            write("\(name)-\(index).rich", [1] + encodeRich(request))
        }
    }
    print("FuzzAvro: \(written) seeds in \(directory.path)")
    return 0
}

/// `request` in ``richSchema``.
func encodeRich(_ request: HTTPRequest) -> [UInt8] {
    var out: [UInt8] = []
    func optionalString(_ value: String?) {
        AvroBinary.appendUnionIndex(value == nil ? 0 : 1, to: &out)
        if let value { AvroBinary.appendString(value, to: &out) }
    }
    if let id = request.id {
        AvroBinary.appendUnionIndex(2, to: &out)
        AvroBinary.appendString(id, to: &out)
    } else {
        AvroBinary.appendUnionIndex(1, to: &out)
        AvroBinary.appendLong(-42, to: &out)
    }
    AvroBinary.appendBoolean(true, to: &out)
    AvroBinary.appendFloat(1.5, to: &out)
    AvroBinary.appendDouble(-2.25, to: &out)
    out += Array("hash".utf8)
    AvroBinary.appendInt(2, to: &out)  // colour BLUE
    AvroBinary.appendUnionIndex(1, to: &out)
    AvroBinary.appendLong((request.timestamp ?? 1_732_540_800_123) * 1000, to: &out)
    AvroBinary.appendLong(2, to: &out)  // tags
    AvroBinary.appendString("a", to: &out)
    AvroBinary.appendString("bb", to: &out)
    AvroBinary.appendLong(0, to: &out)
    AvroBinary.appendLong(-1, to: &out)  // attrs: one entry in a block with its byte size
    var entry: [UInt8] = []
    AvroBinary.appendString("k", to: &entry)
    AvroBinary.appendLong(2, to: &entry)
    AvroBinary.appendInt(7, to: &entry)
    AvroBinary.appendInt(-8, to: &entry)
    AvroBinary.appendLong(0, to: &entry)
    AvroBinary.appendLong(Int64(entry.count), to: &out)
    out += entry
    AvroBinary.appendLong(0, to: &out)
    AvroBinary.appendUnionIndex(5, to: &out)  // choice: array of long
    AvroBinary.appendLong(1, to: &out)
    AvroBinary.appendLong(99, to: &out)
    AvroBinary.appendLong(0, to: &out)
    AvroBinary.appendUnionIndex(1, to: &out)  // request
    AvroBinary.appendString(request.method ?? "GET", to: &out)
    optionalString(request.path)
    optionalString(request.query)
    optionalString(request.remoteAddress)
    AvroBinary.appendInt(443, to: &out)
    var headers: [(String, String)] = []
    if let referer = request.referer { headers.append(("Referer", referer)) }
    if let agent = request.userAgent { headers.append(("user-agent", agent)) }
    AvroBinary.appendUnionIndex(1, to: &out)
    AvroBinary.appendLong(Int64(headers.count), to: &out)
    for (name, value) in headers {
        AvroBinary.appendString(value, to: &out)
        out += Array("xtra".utf8)
        AvroBinary.appendString(name, to: &out)
    }
    if !headers.isEmpty { AvroBinary.appendLong(0, to: &out) }
    optionalString(nil)  // user_agent: null, so the header's applies
    if let body = request.body {
        AvroBinary.appendUnionIndex(1, to: &out)
        AvroBinary.appendString(body, to: &out)
    } else {
        AvroBinary.appendUnionIndex(0, to: &out)
    }
    AvroBinary.appendLong(3, to: &out)  // empties: three nulls
    AvroBinary.appendLong(0, to: &out)
    AvroBinary.appendLong(0, to: &out)  // trailer
    return out
}
