/// Runs an ``AvroRequestDecoder`` program over one body.
///
/// Implementation notes: one loop over the program with a program counter; array and map
/// blocks keep their remaining item counts on a stack the caller allocates (on the thread's
/// stack) with the program's nesting depth. Every read checks the bytes left first, and a block
/// of items that take at least one byte each may not claim more items than bytes left, so the
/// loop runs at most (body bytes + 1) × program length steps.
@safe struct AvroBodyReader {
    private let bytes: UnsafeRawBufferPointer
    private let count: Int
    private let request: ParsedRequest
    private var position = 0
    private var error: AvroDecodeError?
    /// Request fields set by a field of their own (a top-level `user_agent` beats the header).
    private var directMask = 0
    /// The header entry being read: the request field its name selects, and its value's bytes.
    private var headerTarget: RequestField?
    private var headerValueStart = -1
    private var headerValueCount = 0

    @unsafe init(_ bytes: UnsafeRawBufferPointer, request: ParsedRequest) {
        unsafe self.bytes = bytes
        self.count = bytes.count
        self.request = request
    }

    /// Runs `program`; nil when it reached `end` with no bytes left.
    mutating func run(
        _ program: UnsafeBufferPointer<AvroInstruction>,
        stack: UnsafeMutablePointer<Int>
    ) -> AvroDecodeError? {
        var pc = 0
        var depth = 0
        while true {
            let instruction = unsafe program[pc]
            switch instruction.opcode {
            case .skipLong:
                guard readLong() != nil else { return error }
            case .skipInt:
                guard readInt() != nil else { return error }
            case .skipFixed:
                let size = Int(instruction.operand)
                guard size <= count - position else { return .truncated }
                position += size
            case .skipBytes:
                guard let length = readLength() else { return error }
                position += length
            case .checkEnum:
                guard let index = readLong() else { return error }
                guard index >= 0, index < Int64(instruction.operand) else { return .invalidEnumIndex }
            case .union:
                guard let index = readLong() else { return error }
                guard index >= 0, index < Int64(instruction.operand) else { return .invalidUnionIndex }
                pc = Int(unsafe program[pc + 1 + Int(index)].operand)
                continue
            case .jump:
                pc = Int(instruction.operand)
                continue
            case .blockStart:
                guard let items = readBlockCount(instruction.flags) else { return error }
                if items == 0 {
                    pc = Int(instruction.operand)
                    continue
                }
                unsafe stack[depth] = items
                depth += 1
            case .blockNext:
                let left = unsafe stack[depth - 1] - 1
                if left > 0 {
                    unsafe stack[depth - 1] = left
                    pc = Int(instruction.operand)
                    continue
                }
                guard let items = readBlockCount(instruction.flags) else { return error }
                if items == 0 {
                    depth -= 1
                } else {
                    unsafe stack[depth - 1] = items
                    pc = Int(instruction.operand)
                    continue
                }
            case .storeText:
                guard let length = readLength() else { return error }
                let value = unsafe UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
                position += length
                if instruction.flags & AvroInstruction.validateUTF8 != 0, unsafe !UTF8Validation.isValid(value) {
                    return .invalidUTF8
                }
                let field = RequestField(rawValue: Int(instruction.field)) ?? .id
                unsafe request.store(field, from: value)
                directMask |= 1 << field.rawValue
            case .storeNumberID:
                guard let value = instruction.flags & AvroInstruction.isInt != 0 ? readInt() : readLong() else {
                    return error
                }
                storeDecimal(value)
            case .storeTimestamp:
                guard let value = instruction.flags & AvroInstruction.isInt != 0 ? readInt() : readLong() else {
                    return error
                }
                request.timestamp = value / Int64(instruction.operand)
            case .headerEntry:
                headerTarget = nil
                headerValueStart = -1
            case .headerKey:
                guard let length = readLength() else { return error }
                headerTarget = unsafe headerField(
                    UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
                )
                position += length
            case .headerValue:
                guard let length = readLength() else { return error }
                if instruction.flags & AvroInstruction.firstOnly == 0 || headerValueStart < 0 {
                    headerValueStart = position
                    headerValueCount = length
                }
                position += length
            case .headerCommit:
                if let target = headerTarget, headerValueStart >= 0, directMask & (1 << target.rawValue) == 0 {
                    let value = unsafe UnsafeRawBufferPointer(
                        rebasing: bytes[headerValueStart..<(headerValueStart + headerValueCount)]
                    )
                    guard unsafe UTF8Validation.isValid(value) else { return .invalidUTF8 }
                    unsafe request.store(target, from: value)
                }
            case .end:
                return position == count ? nil : .trailingBytes
            }
            pc += 1
        }
    }

    // MARK: Primitives

    /// A zig-zag varint of at most 10 bytes.
    private mutating func readLong() -> Int64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < count else {
                error = .truncated
                return nil
            }
            let byte = unsafe bytes[position]
            position += 1
            // The tenth byte holds bit 63 only.
            if shift == 63, byte > 1 {
                error = .invalidVarint
                return nil
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1) }
            shift += 7
        }
    }

    /// A varint that must fit 32 bits.
    private mutating func readInt() -> Int64? {
        guard let value = readLong() else { return nil }
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else {
            error = .invalidVarint
            return nil
        }
        return value
    }

    /// A string or bytes length, within the bytes left.
    private mutating func readLength() -> Int? {
        guard let length = readLong() else { return nil }
        guard length >= 0 else {
            error = .invalidLength
            return nil
        }
        guard length <= Int64(count - position) else {
            error = .truncated
            return nil
        }
        return Int(length)
    }

    /// The item count of the next block that has items to read, or 0 at the end of the blocks.
    /// Blocks a negative count gives a byte size for are skipped whole when `flags` allow, and
    /// items that take no bytes need no reading at all.
    private mutating func readBlockCount(_ flags: UInt8) -> Int? {
        while true {
            guard var items = readLong() else { return nil }
            if items == 0 { return 0 }
            if items < 0 {
                guard items != .min else {
                    error = .invalidLength
                    return nil
                }
                items = -items
                guard let size = readLength() else { return nil }
                if flags & AvroInstruction.skippableBySize != 0 {
                    position += size
                    continue
                }
            }
            if flags & AvroInstruction.zeroSizeItems != 0 { continue }
            guard items <= Int64(count - position) else {
                error = .truncated
                return nil
            }
            return Int(items)
        }
    }

    /// Writes `value` as decimal text into the id.
    private mutating func storeDecimal(_ value: Int64) {
        let scratch = unsafe request.keyScratch
        var magnitude = value.magnitude
        var end = 20
        repeat {
            end -= 1
            unsafe scratch[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            end -= 1
            unsafe scratch[end] = UInt8(ascii: "-")
        }
        unsafe request.store(.id, from: UnsafeRawBufferPointer(start: scratch + end, count: 20 - end))
    }

    /// The request field a header name selects: `User-Agent`, `Referer` or `Referrer` in any case.
    private func headerField(_ name: UnsafeRawBufferPointer) -> RequestField? {
        switch name.count {
        case 10: return unsafe Self.equalsLowercased(name, "user-agent") ? .userAgent : nil
        case 7: return unsafe Self.equalsLowercased(name, "referer") ? .referer : nil
        case 8: return unsafe Self.equalsLowercased(name, "referrer") ? .referer : nil
        default: return nil
        }
    }

    private static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        for index in 0..<bytes.count {
            var byte = unsafe bytes[index]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if unsafe byte != name.utf8Start[index] { return false }
        }
        return true
    }
}
