/// Appends Avro binary encodings (Avro specification, "Binary Encoding"): predictions written as
/// Avro, and the reference records of ``AvroRequestSchema/encode(_:headers:)``.
public enum AvroBinary {
    /// A `long`: zig-zag, then a little-endian base-128 varint (1 to 10 bytes).
    public static func appendLong(_ value: Int64, to out: inout [UInt8]) {
        var bits = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while bits >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: bits) | 0x80)
            bits >>= 7
        }
        out.append(UInt8(bits))
    }

    /// An `int`: the same encoding as a `long` (1 to 5 bytes).
    public static func appendInt(_ value: Int32, to out: inout [UInt8]) {
        appendLong(Int64(value), to: &out)
    }

    /// A `boolean`: one byte, 0 or 1.
    public static func appendBoolean(_ value: Bool, to out: inout [UInt8]) {
        out.append(value ? 1 : 0)
    }

    /// A `float`: four bytes, IEEE 754 little-endian.
    public static func appendFloat(_ value: Float, to out: inout [UInt8]) {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> shift)) }
    }

    /// A `double`: eight bytes, IEEE 754 little-endian.
    public static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> shift)) }
    }

    /// A `string` from its UTF-8 bytes: the length as a `long`, then the bytes.
    public static func appendString(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        appendBytes(bytes, to: &out)
    }

    /// A `string`.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        appendLong(Int64(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    /// `bytes`: the length as a `long`, then the bytes.
    public static func appendBytes(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        appendLong(Int64(bytes.count), to: &out)
        for index in bytes.indices { out.append(bytes[index]) }
    }

    /// A union's branch index (a `long`), written before the branch's value.
    public static func appendUnionIndex(_ index: Int, to out: inout [UInt8]) {
        appendLong(Int64(index), to: &out)
    }
}
