/// One step of an ``AvroRequestDecoder``'s program: a flat array walked by a program counter,
/// so decoding a record is a loop over small value types with no per-value recursion or class
/// objects.
struct AvroInstruction: Sendable {
    enum Opcode: UInt8, Sendable {
        /// Skip a `long` (an enum index is checked by ``checkEnum``).
        case skipLong
        /// Skip an `int`, checking it fits 32 bits.
        case skipInt
        /// Skip ``AvroInstruction/operand`` bytes (boolean 1, float 4, double 8, fixed n; merged).
        case skipFixed
        /// Skip a length-prefixed value (string, bytes).
        case skipBytes
        /// Read an enum index, checking it is below ``AvroInstruction/operand`` symbols.
        case checkEnum
        /// Read a union index below ``AvroInstruction/operand``; the next `operand` instructions
        /// are ``jump``s, one per branch.
        case union
        /// Continue at ``AvroInstruction/operand``.
        case jump
        /// Read a block count (array or map); none left: continue at ``AvroInstruction/operand``;
        /// else push the count and run the items that follow. ``AvroInstruction/flags``:
        /// ``zeroSizeItems``, ``skippableBySize``.
        case blockStart
        /// One item done: another in the block, back to ``AvroInstruction/operand``; else read
        /// the next block count (same flags) or pop and continue.
        case blockNext
        /// Store a string (flags: ``validateUTF8``) or bytes into ``AvroInstruction/field``.
        case storeText
        /// Store an `int` (flags: ``isInt``) or `long` id as decimal text.
        case storeNumberID
        /// Store an `int`/`long` timestamp divided by ``AvroInstruction/operand`` (1 for millis).
        case storeTimestamp
        /// Start of a header entry: forget the previous one's name and value.
        case headerEntry
        /// Read a header name: User-Agent or Referer (any case), or one the request ignores.
        case headerKey
        /// Read a header value (flags: ``firstOnly``: keep the first of several).
        case headerValue
        /// The entry is complete: store its value when its name is one the request reads.
        case headerCommit
        /// The record is complete: no bytes may be left.
        case end
    }

    var opcode: Opcode
    /// For ``Opcode/storeText``: the ``RequestField`` raw value.
    var field: UInt8 = 0
    var flags: UInt8 = 0
    var operand: Int32 = 0

    static let zeroSizeItems: UInt8 = 1
    static let skippableBySize: UInt8 = 2
    static let validateUTF8: UInt8 = 1
    static let isInt: UInt8 = 1
    static let firstOnly: UInt8 = 1

    /// Whether the instruction stores into the request (a block containing one must be read
    /// item by item, not skipped by its byte size).
    var stores: Bool {
        switch opcode {
        case .storeText, .storeNumberID, .storeTimestamp, .headerEntry, .headerKey, .headerValue, .headerCommit:
            true
        default: false
        }
    }
}
