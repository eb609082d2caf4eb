#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One part's row: the n-grams of its text, L2-normalised, then up to five tokens of value
/// ``PartFeatureConfiguration/tokenWeight``:
/// - `k` + kind: a bias per part kind (a user agent and a parameter value differ in what is usual);
/// - `l` + kind + the bit length of the text's length (0, 1, 2-3, 4-7, ... capped at 12);
/// - `s` + kind + the set of the text's character classes (letters `a`/`A`, digits `0`, non-ASCII
///   `0x80`, every other byte itself), in byte order: a `'` or `<` among letters is a new set;
/// - for a parameter value, `c` + its name + the same set: what this application's parameter
///   usually holds, and `c` + its name + the value's shape (its classes in order, runs collapsed).
///   Unseen names give unseen tokens, which weigh nothing.
extension PartExtractor {
    /// Featurises the scratch's first `count` bytes as a part of `kind` into `indices`/`values`.
    func featurise(_ kind: RequestPart, count: Int) {
        var touchedCount = 0
        forEachNGram(count: count) { column in tally(column, touchedCount: &touchedCount) }
        var norm: Float = 0
        for index in 0..<touchedCount {
            let column = Int(unsafe touched[index])
            let small = unsafe counts[column]
            var occurrences = Int(small)
            if small == 255 {
                occurrences += Int(unsafe overflow[column])
                unsafe overflow[column] = 0
            }
            unsafe counts[column] = 0
            let value = occurrences < 256 ? unsafe logTable[occurrences] : log1p(Float(occurrences))
            unsafe indices[index] = Int32(column)
            unsafe values[index] = value
            norm += value * value
        }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for index in 0..<touchedCount { unsafe values[index] *= scale }
        }
        featureCount = touchedCount
        addTokens(kind, count: count)
    }

    /// Calls `body` with the column of every n-gram of the part's text framed by a start and an
    /// end marker (bytes 0x02 and 0x03, which decoded text seldom holds): `css` then the end is
    /// `.css` and not `.css.old`, a value that starts with `'` differs from one that holds it. The
    /// markers alone are not n-grams. The end marker is written after the text (the scratch has a
    /// spare byte); each n-gram's start and length are passed for explanations.
    @inline(__always)
    func forEachNGram(count: Int, _ body: (_ column: Int) -> Void) {
        unsafe forEachNGram(in: scratch, count: count) { column, _, _ in body(column) }
    }

    @inline(__always)
    func forEachNGram(in text: UnsafeMutablePointer<UInt8>, count: Int, _ body: (Int, Int, Int) -> Void) {
        unsafe text[count] = Self.endMarker
        let ngramMin = configuration.ngramMin
        let ngramMax = configuration.ngramMax
        // From the start marker: n-grams of 2 and more bytes.
        var hash = FeatureHash.step(basis, Self.startMarker)
        for length in 0..<min(ngramMax - 1, count + 1) {
            hash = FeatureHash.step(hash, unsafe text[length])
            if length + 2 >= ngramMin { body(Int(FeatureHash.finalize(hash) & mask), -1, length + 2) }
        }
        // From each byte of the text, through the end marker.
        for start in 0..<count {
            hash = basis
            let longest = min(ngramMax, count + 1 - start)
            for length in 0..<longest {
                hash = FeatureHash.step(hash, unsafe text[start + length])
                if length + 1 >= ngramMin { body(Int(FeatureHash.finalize(hash) & mask), start, length + 1) }
            }
        }
    }

    static let startMarker: UInt8 = 0x02
    static let endMarker: UInt8 = 0x03

    /// Counts one occurrence of `column`, listing it in `touched` the first time (branch-free on
    /// "first time?", which is a coin toss per n-gram).
    @inline(__always)
    private func tally(_ column: Int, touchedCount: inout Int) {
        let count = unsafe counts[column]
        unsafe touched[touchedCount] = Int32(truncatingIfNeeded: column)
        touchedCount &+= count == 0 ? 1 : 0
        if _fastPath(count != 255) {
            unsafe counts[column] = count &+ 1
        } else {
            unsafe overflow[column] &+= 1
        }
    }

    private func addTokens(_ kind: RequestPart, count: Int) {
        let kindByte = kind.rawValue
        appendToken(FeatureHash.step(FeatureHash.step(basis, UInt8(ascii: "k")), kindByte))
        let lengthClass = UInt8(min(12, Int.bitWidth - count.leadingZeroBitCount))
        appendToken(
            FeatureHash.step(FeatureHash.step(FeatureHash.step(basis, UInt8(ascii: "l")), kindByte), lengthClass)
        )
        // A parameter's name, for its name-and-classes and name-and-shape tokens.
        var named: UInt32? = nil
        if kind == .param, nameCount > 0 {
            var hash = FeatureHash.step(basis, UInt8(ascii: "c"))
            for index in 0..<nameCount { hash = FeatureHash.step(hash, unsafe name[index]) }
            named = hash
        }
        // One pass over the text: the set of its classes (a 256-bit mask, hashed in byte order)
        // and, under a name, its shape: its classes in order, runs collapsed (`0A` for an id card
        // number, `a@a.a` for an email), at most `maxShape` runs.
        var classes = ByteSet()
        var shape = named.map { FeatureHash.step($0, 1) } ?? 0
        var previous: UInt8? = nil
        var runs = 0
        for index in 0..<count {
            let member = FeatureExtractor.characterClass(unsafe scratch[index], nonASCII: 0x80)
            classes.insert(member)
            if named != nil, runs < Self.maxShape, member != previous {
                shape = FeatureHash.step(shape, member)
                previous = member
                runs += 1
            }
        }
        let set = classes.hashed(from: FeatureHash.fnv32Basis)
        appendToken(mix(FeatureHash.step(FeatureHash.step(basis, UInt8(ascii: "s")), kindByte), set))
        guard let named else { return }
        appendToken(mix(FeatureHash.step(named, 0), set))
        appendToken(shape)
    }

    /// Runs of character classes in a value's shape token, at most.
    static let maxShape = 24

    /// Feeds the four bytes of `value` into `hash`.
    private func mix(_ hash: UInt32, _ value: UInt32) -> UInt32 {
        var hash = hash
        for shift in stride(from: 0, to: 32, by: 8) {
            hash = FeatureHash.step(hash, UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
        return hash
    }

    private func appendToken(_ hash: UInt32) {
        unsafe indices[featureCount] = Int32(FeatureHash.finalize(hash) & mask)
        unsafe values[featureCount] = tokenWeight
        featureCount += 1
    }
}
