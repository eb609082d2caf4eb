/// The Confluent wire format of a Kafka message value: magic byte 0, the writer schema's
/// Schema Registry id as four big-endian bytes, then the Avro binary body.
public enum ConfluentWireFormat {
    public static let magicByte: UInt8 = 0
    /// The magic byte and the schema id.
    public static let headerSize = 5

    /// The schema id, or nil when `value` is shorter than the header or does not start with the
    /// magic byte (a JSON or access-log value never does: 0 is not text).
    public static func schemaID(of value: Span<UInt8>) -> UInt32? {
        guard value.count >= headerSize, value[0] == magicByte else { return nil }
        return UInt32(value[1]) << 24 | UInt32(value[2]) << 16 | UInt32(value[3]) << 8 | UInt32(value[4])
    }

    /// Appends the header for `schemaID`.
    public static func appendHeader(schemaID: UInt32, to out: inout [UInt8]) {
        out.append(magicByte)
        for shift in [24, 16, 8, 0] as [UInt32] { out.append(UInt8(truncatingIfNeeded: schemaID >> shift)) }
    }
}
