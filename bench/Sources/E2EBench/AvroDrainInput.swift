import Demo
import Inference
import SchemaRegistry

/// The drain's Avro input (`drain --input-format avro`): an in-process development registry with
/// the reference request schema (``AvroRequestSchema``) registered under `<input>-value`, and the
/// drain's requests in the Confluent wire format, encoded once and preloaded by every Avro run.
///
/// The requests are the JSON drain's, request for request (``TrafficGenerator`` with the same seed,
/// parsed, then written in the reference schema), so the two inputs differ only in their encoding.
/// Access-log lines become records without an id, as their JSON-drain answers have none. The
/// generator's malformed values become a wire header over the same bytes, which no Avro union
/// index reads: dead letters (`avroMalformed`) in the same share as the JSON drain's.
final class AvroDrainInput {
    /// Kept running for the whole invocation; stopped on deinit.
    let registry: SchemaRegistryServer
    let url: String
    let schemaID: UInt32
    /// The value of request `d-<index>`.
    let values: [[UInt8]]
    /// How many values are not Avro records (the malformed share).
    let malformed: Int
    /// Mean value size in bytes, for the report.
    let meanBytes: Double

    /// Starts the registry on a free loopback port, registers the schema and encodes `count` requests.
    init(count: Int, subject: String) throws {
        registry = SchemaRegistryServer(port: 0)
        _ = try registry.start()
        guard let url = registry.url else { throw BenchError("the development registry did not report its URL") }
        self.url = url
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
        let schemaID = try client.register(subject: subject, schema: AvroRequestSchema.json)
        self.schemaID = schemaID
        var generator = TrafficGenerator(seed: DrainRun.generatorSeed)
        let parser = RequestParser()
        var values: [[UInt8]] = []
        values.reserveCapacity(count)
        var malformed = 0
        var bytes = 0
        for index in 0..<count {
            let generated = generator.next(
                id: DrainRun.key(index),
                timestampMilliseconds: DrainRun.timestamp(index)
            )
            var value: [UInt8] = []
            ConfluentWireFormat.appendHeader(schemaID: schemaID, to: &value)
            if let request = try? parser.parse(String(decoding: generated.value, as: UTF8.self)) {
                value += AvroRequestSchema.encode(request)
            } else {
                value += generated.value
                malformed += 1
            }
            bytes += value.count
            values.append(value)
        }
        self.values = values
        self.malformed = malformed
        meanBytes = count == 0 ? 0 : Double(bytes) / Double(count)
    }

    deinit {
        registry.stop()
    }
}
