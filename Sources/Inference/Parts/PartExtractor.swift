#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The features of one part, as ``PartExtractor/forEachPart(of:_:)`` hands them to its callback.
///
/// They are the extractor's buffers, which the next part overwrites: read them inside the
/// callback. A copy kept longer keeps the extractor alive, so it reads another part's features,
/// never freed memory.
@safe public struct PartFeatures {
    /// Owns the buffers `handle` points into.
    let owner: PartExtractor
    let handle: _UnsafeHandle

    /// The number of non-zeros.
    public var count: Int { unsafe handle.indices.count }

    /// Calls `body` with the column of each non-zero (a column may repeat: its values add).
    public func withIndices<R, E: Error>(_ body: (Span<Int32>) throws(E) -> R) throws(E) -> R {
        try body(unsafe Span(_unsafeElements: handle.indices))
    }

    /// Calls `body` with the value of each non-zero, in the order of ``withIndices(_:)``.
    public func withValues<R, E: Error>(_ body: (Span<Float>) throws(E) -> R) throws(E) -> R {
        try body(unsafe Span(_unsafeElements: handle.values))
    }

    /// Calls `body` with the part's text as the n-grams saw it: decoded and normalised.
    public func withText<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(unsafe Span(_unsafeElements: handle.text))
    }

    /// One part's features where the extractor keeps them, for the module's hot path (no reference
    /// counting per part): valid only inside the extractor's callback.
    @unsafe struct _UnsafeHandle {
        /// Column of each non-zero.
        let indices: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Float>
        let text: UnsafeBufferPointer<UInt8>
    }
}

/// Splits a request into its parts (``RequestPart``) and computes each part's sparse feature row
/// (``PartFeatureConfiguration``). The one implementation for `featurize` (training) and serving.
///
/// Allocation-free after `init`: every buffer is preallocated. Work is linear in the request's
/// bytes: each byte is decoded once and starts at most ``PartFeatureConfiguration/ngramMax``
/// n-grams. Not thread-safe: one extractor per worker thread.
@safe public final class PartExtractor {
    public let configuration: PartFeatureConfiguration
    /// Columns of a part row.
    public let dimension: Int

    let mask: UInt32
    let basis: UInt32
    let tokenWeight: Float
    /// Decoded, normalised text of the part being featurised.
    let scratch: UnsafeMutablePointer<UInt8>
    let scratchCapacity: Int
    /// The names of the request's parameters, joined by `&`, for the `names` part.
    let names: UnsafeMutablePointer<UInt8>
    var namesCount = 0
    /// The current parameter's decoded name, for its name-and-classes token.
    let name: UnsafeMutablePointer<UInt8>
    var nameCount = 0
    /// Per-column n-gram counts of the part being featurised (all zero between parts); a count of
    /// 255 continues in `overflow`, so counts stay exact.
    let counts: UnsafeMutablePointer<UInt8>
    let overflow: UnsafeMutablePointer<UInt32>
    /// Columns with a non-zero count, then the part's output row.
    let touched: UnsafeMutablePointer<Int32>
    let indices: UnsafeMutablePointer<Int32>
    let values: UnsafeMutablePointer<Float>
    /// `log1p(n)` for n < 256.
    let logTable: UnsafeMutablePointer<Float>

    static let maxNameBytes = 64
    /// Tokens a part adds after its n-grams: kind, length, classes, name-and-classes, name-and-shape.
    static let maxTokens = 5

    /// - Throws: ``InferenceError`` ``InferenceError/Code/featureMismatch`` for an invalid configuration.
    public init(
        configuration: PartFeatureConfiguration = .default,
        limits: RequestLimits = .default
    )
        throws(InferenceError)
    {
        try configuration.validate()
        self.configuration = configuration
        dimension = configuration.hashedDimension
        mask = UInt32(dimension - 1)
        basis = FeatureHash.blockBasis(seed: configuration.seed, block: 0)
        tokenWeight = Float(configuration.tokenWeight)
        scratchCapacity = [RequestField.path, .query, .body, .userAgent, .referer].map(limits.capacity(of:)).max()!
        // One spare byte for the end marker of the n-grams.
        unsafe scratch = .allocate(capacity: scratchCapacity + 1)
        unsafe names = .allocate(capacity: scratchCapacity)
        unsafe name = .allocate(capacity: Self.maxNameBytes)
        unsafe counts = .allocate(capacity: dimension)
        unsafe counts.initialize(repeating: 0, count: dimension)
        unsafe overflow = .allocate(capacity: dimension)
        unsafe overflow.initialize(repeating: 0, count: dimension)
        // One spare entry: `tally` writes a candidate before it knows whether the column is new.
        unsafe touched = .allocate(capacity: dimension + 1)
        unsafe indices = .allocate(capacity: dimension + Self.maxTokens)
        unsafe values = .allocate(capacity: dimension + Self.maxTokens)
        unsafe logTable = .allocate(capacity: 256)
        for count in 0..<256 { unsafe logTable[count] = log1p(Float(count)) }
    }

    /// The bytes an extractor for rows of `dimension` columns allocates, from the same sizes as
    /// ``init(configuration:limits:)`` (change both together).
    static func allocatedBytes(dimension: Int, limits: RequestLimits) -> Int {
        let scratch = [RequestField.path, .query, .body, .userAgent, .referer].map(limits.capacity(of:)).max()!
        // scratch and names; the name; counts (UInt8), overflow; touched, indices, values; the log table.
        return 2 * scratch + 1 + maxNameBytes + 5 * dimension + 4 * (dimension + 1)
            + 8 * (dimension + maxTokens) + 256 * 4
    }

    deinit {
        unsafe scratch.deallocate()
        unsafe names.deallocate()
        unsafe name.deallocate()
        unsafe counts.deallocate()
        unsafe overflow.deallocate()
        unsafe touched.deallocate()
        unsafe indices.deallocate()
        unsafe values.deallocate()
        unsafe logTable.deallocate()
    }

    /// Calls `body` once per part of `request`, in a fixed order: path, parameter values (query,
    /// then body), the structured body, the names, the user agent, the referer's path and values.
    /// Absent or empty fields give no part, except that a request with no part at all gives its
    /// (empty) path, so every request is scored.
    public func forEachPart(of request: ParsedRequest, _ body: (RequestPart, PartFeatures) -> Void) {
        unsafe forEachPartHandle(of: request) { kind, handle in
            body(kind, unsafe PartFeatures(owner: self, handle: handle))
        }
    }

    /// ``forEachPart(of:_:)`` with each part's buffers.
    func forEachPartHandle(of request: ParsedRequest, _ body: (RequestPart, PartFeatures._UnsafeHandle) -> Void) {
        var parts = unsafe forEachContentPart(of: request, body)
        parts += unsafe forEachHeaderPart(.userAgent, of: request, partsBefore: parts, body)
        parts += unsafe forEachHeaderPart(.referer, of: request, partsBefore: parts, body)
        if parts == 0 { unsafe emit(.path, count: 0, body) }
    }

    /// The parts of the path, the parameters, a structured body and the names, as
    /// ``forEachPart(of:_:)`` gives them; returns how many.
    @discardableResult
    func forEachContentPart(of request: ParsedRequest, _ body: (RequestPart, PartFeatures._UnsafeHandle) -> Void) -> Int
    {
        var emitted = 0
        namesCount = 0
        nameCount = 0
        if request.count(of: .path) > 0 {
            unsafe emit(.path, count: decodeField(request, .path), body)
            emitted += 1
        }
        // Room for the parameters: the parts after them (names, user agent, referer path) keep theirs.
        var budget = configuration.maxParts - emitted - 3
        for field in [RequestField.query, .body] {
            unsafe request.withUnsafeBytes(of: field) { raw in
                guard raw.count > 0 else { return }
                if field == .body, unsafe FeatureExtractor.isStructured(raw) {
                    unsafe load(raw)
                    let count = decodeScratch(count: min(raw.count, scratchCapacity), plusAsSpace: false)
                    unsafe emit(.body, count: count, body)
                    emitted += 1
                    return
                }
                unsafe forEachParameter(raw, budget: &budget, collectNames: true) { count in
                    unsafe emit(.param, count: count, body)
                    emitted += 1
                }
            }
        }
        if namesCount > 0 {
            unsafe scratch.update(from: names, count: namesCount)
            nameCount = 0
            unsafe emit(.names, count: namesCount, body)
            emitted += 1
        }
        nameCount = 0
        return emitted
    }

    /// The parts of one header, `.userAgent` (one part) or `.referer` (its path and each query
    /// value), as ``forEachPart(of:_:)`` gives them after `partsBefore` other parts; returns how
    /// many. A header's parts depend on its bytes alone (and, past ``PartFeatureConfiguration/maxParts``,
    /// on `partsBefore`), so a scorer may memoise them.
    @discardableResult
    func forEachHeaderPart(
        _ field: RequestField,
        of request: ParsedRequest,
        partsBefore: Int,
        _ body: (RequestPart, PartFeatures._UnsafeHandle) -> Void
    ) -> Int {
        guard request.count(of: field) > 0 else { return 0 }
        nameCount = 0
        guard field == .referer else {
            unsafe emit(.userAgent, count: decodeField(request, field), body)
            return 1
        }
        var emitted = 0
        unsafe request.withUnsafeBytes(of: .referer) { raw in
            let (pathRange, queryStart) = unsafe Self.splitURL(raw)
            if !pathRange.isEmpty {
                unsafe load(UnsafeBufferPointer(rebasing: raw[pathRange]))
                let count = decodeScratch(count: min(pathRange.count, scratchCapacity), plusAsSpace: false)
                unsafe emit(.referer, count: count, body)
                emitted += 1
            }
            if let queryStart, queryStart < raw.count {
                var budget = max(1, configuration.maxParts - partsBefore - emitted)
                unsafe forEachParameter(
                    UnsafeBufferPointer(rebasing: raw[queryStart...]),
                    budget: &budget,
                    collectNames: false
                ) { count in
                    unsafe emit(.referer, count: count, body)
                    emitted += 1
                }
            }
        }
        return emitted
    }

    /// Featurises the scratch's first `count` bytes as a `kind` part and hands it to `body`.
    private func emit(_ kind: RequestPart, count: Int, _ body: (RequestPart, PartFeatures._UnsafeHandle) -> Void) {
        featurise(kind, count: count)
        unsafe body(
            kind,
            PartFeatures._UnsafeHandle(
                indices: UnsafeBufferPointer(start: indices, count: featureCount),
                values: UnsafeBufferPointer(start: values, count: featureCount),
                text: UnsafeBufferPointer(start: scratch, count: count)
            )
        )
    }

    /// Non-zeros of the part row being built.
    var featureCount = 0

    // MARK: - Fields and parameters

    /// Copies `field` into the scratch and decodes it; returns the decoded length.
    private func decodeField(_ request: ParsedRequest, _ field: RequestField) -> Int {
        let count = min(request.count(of: field), scratchCapacity)
        unsafe request.withUnsafeBytes(of: field) { raw in unsafe load(raw) }
        return decodeScratch(count: count, plusAsSpace: false)
    }

    /// Copies `raw` (cut to the scratch) into the scratch.
    private func load(_ raw: UnsafeBufferPointer<UInt8>) {
        if let base = raw.baseAddress, raw.count > 0 {
            unsafe scratch.update(from: base, count: min(raw.count, scratchCapacity))
        }
    }

    /// Percent-decodes the scratch's first `count` bytes in place and normalises them.
    private func decodeScratch(count: Int, plusAsSpace: Bool) -> Int {
        let decoded = unsafe PercentDecoding.decode(
            scratch,
            count: count,
            maxRounds: configuration.maxDecodeDepth,
            plusAsSpace: plusAsSpace
        ).count
        unsafe normalise(scratch, count: decoded)
        return decoded
    }

    /// Splits form data at `&`; per piece, decodes the name (remembered for the name-and-classes
    /// token and, with `collectNames`, appended to the names part) and the value into the scratch,
    /// and calls `body` with the value's length. When one piece of budget is left, the rest of the
    /// data is one last value.
    private func forEachParameter(
        _ raw: UnsafeBufferPointer<UInt8>,
        budget: inout Int,
        collectNames: Bool,
        _ body: (Int) -> Void
    ) {
        guard let base = raw.baseAddress else { return }
        var start = 0
        while start < raw.count {
            var end = start
            if budget > 1 {
                while end < raw.count, unsafe base[end] != UInt8(ascii: "&") { end += 1 }
            } else {
                end = raw.count
            }
            if end > start {
                var equals = start
                while equals < end, unsafe base[equals] != UInt8(ascii: "=") { equals += 1 }
                let hasName = equals < end
                // The name: decoded into its own buffer.
                let nameRaw = hasName ? min(equals - start, scratchCapacity) : 0
                unsafe scratch.update(from: base + start, count: nameRaw)
                let nameLength = min(decodeScratch(count: nameRaw, plusAsSpace: true), Self.maxNameBytes)
                unsafe name.update(from: scratch, count: nameLength)
                nameCount = nameLength
                if collectNames, hasName {
                    let room = scratchCapacity - namesCount
                    let separator = namesCount > 0 ? 1 : 0
                    if room > nameLength + separator {
                        if separator == 1 { unsafe names[namesCount] = UInt8(ascii: "&") }
                        unsafe (names + namesCount + separator).update(from: name, count: nameLength)
                        namesCount += nameLength + separator
                    }
                }
                let valueStart = hasName ? equals + 1 : start
                let valueRaw = min(end - valueStart, scratchCapacity)
                if valueRaw > 0 { unsafe scratch.update(from: base + valueStart, count: valueRaw) }
                body(decodeScratch(count: max(valueRaw, 0), plusAsSpace: true))
                budget -= 1
            }
            start = end + 1
        }
        nameCount = 0
    }

    /// A URL's path (after `scheme://host`, up to `?`) and where its query starts.
    static func splitURL(_ raw: UnsafeBufferPointer<UInt8>) -> (path: Range<Int>, queryStart: Int?) {
        var start = 0
        // `scheme://authority`: skip to the first `/` after it (no path: empty).
        var index = 0
        while index < raw.count, unsafe raw[index].isASCIILetterOrSchemeByte { index += 1 }
        if index > 0, index + 2 < raw.count, unsafe raw[index] == UInt8(ascii: ":"),
            unsafe raw[index + 1] == UInt8(ascii: "/"), unsafe raw[index + 2] == UInt8(ascii: "/")
        {
            start = index + 3
            while start < raw.count, unsafe raw[start] != UInt8(ascii: "/"), unsafe raw[start] != UInt8(ascii: "?") {
                start += 1
            }
        }
        var end = start
        while end < raw.count, unsafe raw[end] != UInt8(ascii: "?") { end += 1 }
        return (start..<end, end < raw.count ? end + 1 : nil)
    }

    // MARK: - Features

    /// Lower-cases, collapses digits and non-ASCII bytes as configured.
    private func normalise(_ bytes: UnsafeMutablePointer<UInt8>, count: Int) {
        let lowercase = configuration.lowercase
        let digits = configuration.collapseDigits
        let nonASCII = configuration.collapseNonASCII
        for index in 0..<count {
            let byte = unsafe bytes[index]
            if lowercase, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                unsafe bytes[index] = byte | 0x20
            } else if digits, byte >= UInt8(ascii: "1"), byte <= UInt8(ascii: "9") {
                unsafe bytes[index] = UInt8(ascii: "0")
            } else if nonASCII, byte >= 0x80 {
                unsafe bytes[index] = 0x80
            }
        }
    }
}

extension UInt8 {
    /// Letters, digits, `+`, `-`, `.`: the bytes of a URL scheme.
    fileprivate var isASCIILetterOrSchemeByte: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }
}
