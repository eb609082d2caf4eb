/// Why an Avro body did not decode into a request; the dead-letter header names it by
/// ``rawValue``.
public enum AvroDecodeError: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The body ends inside a value (a length or block count runs past the end).
    case truncated
    /// A negative string, bytes or block size.
    case invalidLength
    /// A union branch index outside the union.
    case invalidUnionIndex
    /// An enum index outside the symbols.
    case invalidEnumIndex
    /// A varint longer than 10 bytes, or an `int` outside 32 bits.
    case invalidVarint
    /// A string the request uses (a mapped field or a header read) is not UTF-8; strings that
    /// are skipped are not checked.
    case invalidUTF8
    /// Bytes are left after the record.
    case trailingBytes
    /// The record decoded but has neither a path nor a query (both null).
    case missingPath

    public var description: String { rawValue }

    /// A sentence for dead-letter details and logs.
    public var explanation: String {
        switch self {
        case .truncated: "the Avro body ends inside a value: it is shorter than the writer schema says"
        case .invalidLength: "the Avro body has a negative string, bytes or block length"
        case .invalidUnionIndex: "the Avro body selects a union branch the writer schema does not have"
        case .invalidEnumIndex: "the Avro body has an enum index beyond the writer schema's symbols"
        case .invalidVarint: "the Avro body has a varint longer than 10 bytes or an int outside 32 bits"
        case .invalidUTF8: "a string field the request uses is not valid UTF-8"
        case .trailingBytes: "the Avro body has bytes left after the record: it was not written with this schema"
        case .missingPath: "the record has neither a path nor a query (both null)"
        }
    }
}
