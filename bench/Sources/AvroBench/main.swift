import Foundation
import Inference

// avro-bench: per-request time of Avro decode + score against JSON parse + score, on the same
// CSIC 2010 requests encoded both ways (the JSON contract object, and the reference Avro schema
// via AvroRequestSchema.encode, every header of the row in both), scored by the default (part)
// model as InferenceProcessor does. Thread CPU time, median of --repetitions runs over the set.
// A third path decodes the same Avro bodies with Apache Avro C (Debian's libavro 1.11, a generic
// value for the writer schema, LibavroDecoder) into the same ParsedRequest, against
// AvroRequestDecoder: with the copy into the request, with scoring, and libavro alone.
//
//   cd bench && swift build -c release --scratch-path .build-avro --product avro-bench
//   .build-avro/release/avro-bench [--data ../data/.cache/csic2010.jsonl] [--count 4000] [--repetitions 9]

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let dataPath = option("--data") ?? repository.appendingPathComponent("data/.cache/csic2010.jsonl").path
let modelPath = option("--model") ?? repository.appendingPathComponent("models/default.model").path
let count = Int(option("--count") ?? "") ?? 4000
let repetitions = Int(option("--repetitions") ?? "") ?? 9

func now() -> UInt64 {
    var time = timespec()
    unsafe clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Median nanoseconds per call of `body` over `calls` calls, after one warm-up pass.
func median(calls: Int, _ body: () -> Void) -> Double {
    body()
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        body()
        samples.append(Double(now() - start) / Double(calls))
    }
    samples.sort()
    return samples[samples.count / 2]
}

// MARK: The requests, both ways

guard let data = FileManager.default.contents(atPath: dataPath) else {
    print("avro-bench: \(dataPath) not found (scripts/setup.sh unpacks the data sets)")
    exit(1)
}
var jsonInputs: [[UInt8]] = []
var avroInputs: [[UInt8]] = []
for line in data.split(separator: 0x0A) where jsonInputs.count < count {
    guard let row = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
        let path = row["path"] as? String
    else { continue }
    let headers = (row["headers"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
    var contract: [String: Any] = ["id": row["id"] as? String ?? "", "path": path, "ts": 1_732_540_800_123]
    for key in ["method", "query", "protocol", "body"] { contract[key] = row[key] as? String }
    contract["headers"] = Dictionary(uniqueKeysWithValues: headers.map { ($0.key, $0.value) })
    jsonInputs.append(Array(try JSONSerialization.data(withJSONObject: contract)))
    let request = HTTPRequest(
        id: row["id"] as? String,
        timestamp: 1_732_540_800_123,
        method: row["method"] as? String,
        path: path,
        query: row["query"] as? String,
        protocolVersion: row["protocol"] as? String,
        body: row["body"] as? String
    )
    avroInputs.append(AvroRequestSchema.encode(request, headers: headers.map { ($0.key, $0.value) }))
}

let parser = RequestParser()
let decoder = try AvroRequestDecoder(writerSchema: AvroRequestSchema.schema)
let scorer = try PartScorer(model: SVMModel(contentsOf: modelPath), limits: parser.limits)
let libavro = try LibavroDecoder(schemaJSON: AvroRequestSchema.json)
let request = ParsedRequest(limits: parser.limits)

// Both paths must give the same requests and scores.
let check = ParsedRequest(limits: parser.limits)
var mismatches = 0
for (json, avro) in zip(jsonInputs, avroInputs) {
    let jsonOK = parser.parseReason(json.span, into: request) == nil
    let avroOK = decoder.decode(avro.span, into: check) == nil
    if !jsonOK || !avroOK || HTTPRequest(request) != HTTPRequest(check)
        || scorer.score(request).score != scorer.score(check).score
    {
        mismatches += 1
    }
}
// libavro must give the requests and scores AvroRequestDecoder gives.
var libavroMismatches = 0
for avro in avroInputs {
    let swiftOK = decoder.decode(avro.span, into: check) == nil
    let libavroOK = libavro.decode(avro, into: request)
    if !swiftOK || !libavroOK || HTTPRequest(request) != HTTPRequest(check)
        || scorer.score(request).score != scorer.score(check).score
    {
        libavroMismatches += 1
    }
}

var sink: Float = 0
let jsonParse = median(calls: jsonInputs.count) {
    for input in jsonInputs { _ = parser.parseReason(input.span, into: request) }
}
let avroDecode = median(calls: avroInputs.count) {
    for input in avroInputs { _ = decoder.decode(input.span, into: request) }
}
let jsonScore = median(calls: jsonInputs.count) {
    for input in jsonInputs {
        _ = parser.parseReason(input.span, into: request)
        sink += scorer.score(request).score
    }
}
let avroScore = median(calls: avroInputs.count) {
    for input in avroInputs {
        _ = decoder.decode(input.span, into: request)
        sink += scorer.score(request).score
    }
}
let libavroDecode = median(calls: avroInputs.count) {
    for input in avroInputs { _ = libavro.decode(input, into: request) }
}
let libavroScore = median(calls: avroInputs.count) {
    for input in avroInputs {
        _ = libavro.decode(input, into: request)
        sink += scorer.score(request).score
    }
}
let libavroFields = median(calls: avroInputs.count) {
    for input in avroInputs { _ = libavro.decodeFields(input) }
}

let jsonBytes = jsonInputs.reduce(0) { $0 + $1.count } / max(1, jsonInputs.count)
let avroBytes = avroInputs.reduce(0) { $0 + $1.count } / max(1, avroInputs.count)
print("# avro-bench: \(jsonInputs.count) CSIC 2010 requests, thread CPU time, median of \(repetitions)")
print("mean input: JSON \(jsonBytes) B, Avro \(avroBytes) B; requests differing between the paths: \(mismatches)")
print("| step | JSON ns/request | Avro ns/request | Avro/JSON |")
print("|---|---:|---:|---:|")
print(String(format: "| parse or decode | %.0f | %.0f | %.2f |", jsonParse, avroDecode, avroDecode / jsonParse))
print(String(format: "| + score (part model) | %.0f | %.0f | %.2f |", jsonScore, avroScore, avroScore / jsonScore))
print("")
print("requests differing between libavro and AvroRequestDecoder: \(libavroMismatches)")
print("| step | AvroRequestDecoder ns/request | libavro ns/request | libavro/Swift |")
print("|---|---:|---:|---:|")
for (step, swift, library) in [
    ("decode (libavro)", avroDecode, libavroDecode),
    ("libavro + score", avroScore, libavroScore),
    ("libavro alone (fields into a C struct, no copy)", avroDecode, libavroFields),
] {
    print("| \(step) | " + String(format: "%.0f | %.0f | %.2f |", swift, library, library / swift))
}
if sink.isNaN { print("") }
