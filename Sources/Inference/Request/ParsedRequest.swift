/// Where a request came from: which of the accepted input formats.
public enum RequestFormat: Sendable, Equatable {
    /// A JSON object (the input contract, or a row of the offline data set schema).
    case json
    /// An access-log line in Combined (or Common) Log Format.
    case combinedLogFormat
    /// An Avro record (``AvroRequestDecoder``), bare or in the Confluent wire format.
    case avro
}

/// Reusable storage for one parsed request: every ``RequestField`` has a fixed-capacity byte region.
///
/// One worker owns one `ParsedRequest` and parses every input into it, so the hot path
/// (``RequestParser/parse(_:into:)`` then ``FeatureExtractor/extract(_:into:)``) does not allocate.
/// Values longer than their capacity (``RequestLimits``) keep their prefix and are marked truncated.
///
/// Not thread-safe: use one instance per thread.
@safe public final class ParsedRequest {
    /// The caps this storage was sized for.
    public let limits: RequestLimits
    /// The input format of the last successful parse.
    public internal(set) var format: RequestFormat = .json
    /// `1` attack, `0` normal, `-1` unknown (offline rows carry a `label`).
    public internal(set) var label: Int8 = -1
    /// The `ts` field (milliseconds since the epoch) when present.
    public internal(set) var timestamp: Int64?

    let storage: UnsafeMutablePointer<UInt8>
    /// Per field: region start, capacity and kept length; then the present and truncated bit sets.
    /// Behind a pointer (not `var` arrays) so the hot path pays no dynamic exclusivity checks.
    private let table: UnsafeMutablePointer<Int>
    private static let fieldCount = RequestField.allCases.count
    private var bases: UnsafeMutablePointer<Int> { unsafe table }
    private var capacities: UnsafeMutablePointer<Int> { unsafe table + Self.fieldCount }
    private var lengths: UnsafeMutablePointer<Int> { unsafe table + 2 * Self.fieldCount }
    private var presentMask: Int {
        get { unsafe table[3 * Self.fieldCount] }
        set { unsafe table[3 * Self.fieldCount] = newValue }
    }
    private var truncatedMask: Int {
        get { unsafe table[3 * Self.fieldCount + 1] }
        set { unsafe table[3 * Self.fieldCount + 1] = newValue }
    }

    /// Storage for requests within `limits`.
    public init(limits: RequestLimits = .default) {
        self.limits = limits
        unsafe table = .allocate(capacity: 3 * Self.fieldCount + 2)
        unsafe table.initialize(repeating: 0, count: 3 * Self.fieldCount + 2)
        var total = 0
        for field in RequestField.allCases {
            unsafe table[field.rawValue] = total
            unsafe table[Self.fieldCount + field.rawValue] = limits.capacity(of: field)
            total += limits.capacity(of: field)
        }
        unsafe storage = UnsafeMutablePointer<UInt8>.allocate(capacity: total + Self.keyScratchCapacity)
        unsafe keyScratch = unsafe storage + total
    }

    /// Bytes of scratch for JSON object keys and short values the parser inspects.
    static let keyScratchCapacity = 32
    let keyScratch: UnsafeMutablePointer<UInt8>

    deinit {
        unsafe storage.deallocate()
        unsafe table.deallocate()
    }

    /// Forgets the previous request.
    public func reset() {
        unsafe lengths.update(repeating: 0, count: Self.fieldCount)
        presentMask = 0
        truncatedMask = 0
        label = -1
        timestamp = nil
        format = .json
    }

    /// Whether the input had this field (as a string; `null` counts as absent).
    public func isPresent(_ field: RequestField) -> Bool { presentMask & (1 << field.rawValue) != 0 }

    /// Whether the field's value was longer than its capacity and only a prefix is kept.
    public func isTruncated(_ field: RequestField) -> Bool {
        truncatedMask & (1 << field.rawValue) != 0
    }

    /// The number of bytes kept for `field`.
    public func count(of field: RequestField) -> Int { unsafe lengths[field.rawValue] }

    /// Calls `body` with the kept bytes of `field` (empty when absent).
    public func withBytes<R, E: Error>(of field: RequestField, _ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try unsafe withUnsafeBytes(of: field) { (bytes) throws(E) -> R in try body(unsafe Span(_unsafeElements: bytes))
        }
    }

    /// Appends the kept bytes of `field` (none when absent) to `out`: one copy, no allocation once
    /// `out` has the capacity.
    public func appendBytes(of field: RequestField, to out: inout [UInt8]) {
        unsafe withUnsafeBytes(of: field) { bytes in unsafe out.append(contentsOf: bytes) }
    }

    /// As ``withBytes(of:_:)`` with the storage itself, for the module's hot paths: the buffer is
    /// valid only inside `body` and until the next parse.
    func withUnsafeBytes<R, E: Error>(
        of field: RequestField,
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        let start = unsafe UnsafePointer(storage + bases[field.rawValue])
        return try unsafe body(UnsafeBufferPointer(start: start, count: lengths[field.rawValue]))
    }

    /// The field as a `String` (invalid UTF-8 repaired), or `nil` when absent. Allocates.
    public func string(_ field: RequestField) -> String? {
        guard isPresent(field) else { return nil }
        return unsafe withUnsafeBytes(of: field) { bytes in unsafe String(decoding: bytes, as: UTF8.self) }
    }

    /// Stores `value` as the field (cut to the field's capacity), or removes it when `nil`.
    public func set(_ field: RequestField, to value: String?) {
        guard let value else {
            clear(field)
            return
        }
        var contiguous = value
        contiguous.withUTF8 { bytes in unsafe store(field, from: UnsafeRawBufferPointer(bytes)) }
    }

    /// Removes `field`.
    func clear(_ field: RequestField) {
        unsafe lengths[field.rawValue] = 0
        presentMask &= ~(1 << field.rawValue)
        truncatedMask &= ~(1 << field.rawValue)
    }

    /// Copies `bytes` (cut to capacity) into `field` and marks it present.
    func store(_ field: RequestField, from bytes: UnsafeRawBufferPointer) {
        let capacity = unsafe capacities[field.rawValue]
        let count = min(bytes.count, capacity)
        if count > 0, let source = bytes.baseAddress {
            unsafe (storage + bases[field.rawValue]).update(
                from: source.assumingMemoryBound(to: UInt8.self),
                count: count
            )
        }
        commit(field, count: count, truncated: bytes.count > capacity)
    }

    /// The end of the last whole UTF-8 character in `bytes[0..<count]`: `count`, or the start of
    /// a sequence its lead byte says is longer than what is left.
    static func characterBoundary(_ bytes: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        var lead = count - 1
        // Back over at most three continuation bytes (10xxxxxx) to the character's first byte.
        while lead >= 0, count - lead <= 3, unsafe bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0 else { return count }
        let byte = unsafe bytes[lead]
        let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        return lead + length > count ? lead : count
    }

    /// The write position and capacity of `field`'s region.
    func region(_ field: RequestField) -> (UnsafeMutablePointer<UInt8>, Int) {
        unsafe (storage + bases[field.rawValue], capacities[field.rawValue])
    }

    /// Marks `field` present with `count` bytes written into its region. A truncated value keeps
    /// whole characters: a cut through one would read back as U+FFFD.
    func commit(_ field: RequestField, count: Int, truncated: Bool) {
        let count = truncated ? unsafe Self.characterBoundary(storage + bases[field.rawValue], count: count) : count
        unsafe lengths[field.rawValue] = count
        presentMask |= 1 << field.rawValue
        if truncated {
            truncatedMask |= 1 << field.rawValue
        } else {
            truncatedMask &= ~(1 << field.rawValue)
        }
    }
}
