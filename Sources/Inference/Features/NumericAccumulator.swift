#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Running statistics of the decoded path, query and body of one request, turned into the
/// ``NumericFeature`` values at the end.
struct NumericAccumulator {
    var rawLength = 0
    var decodedLength = 0
    var pathLength = 0
    var parametersLength = 0
    var parameterCount = 0
    var slashes = 0
    var digits = 0
    var letters = 0
    var upperCase = 0
    var special = 0
    var codeCharacters = 0
    var whitespace = 0
    var nonPrintable = 0
    var traversals = 0
    var longestValue = 0
    var maxRounds = 0
    var pathBins = 0
    var parameterBins = 0

    /// Adds one decoded field. `histogram` holds two 256-bin byte histograms (path, parameters),
    /// all zero before the first field of a request; `bins` lists their non-zero bins.
    mutating func add(
        _ bytes: UnsafeBufferPointer<UInt8>,
        rawCount: Int,
        rounds: Int,
        isPath: Bool,
        histogram: UnsafeMutablePointer<UInt32>,
        bins: UnsafeMutablePointer<UInt16>
    ) {
        rawLength += rawCount
        decodedLength += bytes.count
        maxRounds = max(maxRounds, rounds)
        if isPath {
            pathLength += bytes.count
        } else {
            parametersLength += bytes.count
            if bytes.count > 0 { parameterCount += 1 }
        }
        let histogramBase = isPath ? 0 : 256
        var valueLength = 0
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        for index in 0..<bytes.count {
            let byte = unsafe bytes[index]
            let bin = histogramBase + Int(byte)
            if unsafe histogram[bin] == 0 {
                if isPath {
                    unsafe bins[pathBins] = UInt16(bin)
                    pathBins += 1
                } else {
                    unsafe bins[256 + parameterBins] = UInt16(bin)
                    parameterBins += 1
                }
            }
            unsafe histogram[bin] += 1
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letters += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                letters += 1
                upperCase += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"): whitespace += 1
            case UInt8(ascii: "/"):
                if isPath { slashes += 1 }
            case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "+"), UInt8(ascii: "%"):
                break
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                UInt8(ascii: "|"), UInt8(ascii: "$"), UInt8(ascii: "\\"):
                codeCharacters += 1
                special += 1
            default:
                special += 1
            }
            if byte < 0x20 || byte >= 0x7F { nonPrintable += 1 }
            if !isPath {
                if byte == UInt8(ascii: "&") {
                    parameterCount += 1
                    valueLength = 0
                } else if byte == UInt8(ascii: "=") {
                    valueLength = 0
                } else {
                    valueLength += 1
                    longestValue = max(longestValue, valueLength)
                }
            }
            if (byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\")) && previous == UInt8(ascii: ".")
                && beforePrevious == UInt8(ascii: ".")
            {
                traversals += 1
            }
            beforePrevious = previous
            previous = byte
        }
    }

    /// Writes the ``NumericFeature`` values (times `weight`) and clears the histograms.
    mutating func write(
        into out: UnsafeMutablePointer<Float>,
        weight: Float,
        maxDecodeDepth: Int,
        histogram: UnsafeMutablePointer<UInt32>,
        bins: UnsafeMutablePointer<UInt16>
    ) {
        let length = Float(max(decodedLength, 1))
        let pathEntropy = unsafe Self.entropy(histogram, bins: bins, count: pathBins, total: pathLength)
        let parameterEntropy = unsafe Self.entropy(
            histogram,
            bins: bins + 256,
            count: parameterBins,
            total: parametersLength
        )
        func put(_ feature: NumericFeature, _ value: Float) { unsafe out[feature.rawValue] = value * weight }
        put(.pathLength, log1p(Float(pathLength)) / 8)
        put(.parametersLength, log1p(Float(parametersLength)) / 8)
        put(.parameterCount, log1p(Float(parameterCount)) / 4)
        put(.pathDepth, log1p(Float(slashes)) / 3)
        put(.parametersEntropy, parameterEntropy / 8)
        put(.pathEntropy, pathEntropy / 8)
        put(.digitRatio, Float(digits) / length)
        put(.upperCaseRatio, Float(upperCase) / Float(max(letters, 1)))
        put(.specialRatio, Float(special) / length)
        put(.codeCharacterRatio, Float(codeCharacters) / length)
        put(.whitespaceRatio, Float(whitespace) / length)
        put(.encodingDepth, maxDecodeDepth > 0 ? Float(maxRounds) / Float(maxDecodeDepth) : 0)
        put(.nonPrintableRatio, Float(nonPrintable) / length)
        put(.longestValue, log1p(Float(longestValue)) / 8)
        put(.traversalCount, log1p(Float(traversals)) / 2)
        put(.encodedShare, rawLength > 0 ? 1 - Float(decodedLength) / Float(rawLength) : 0)
    }

    /// Shannon entropy in bits of the histogram bins listed in `bins`, which it clears.
    private static func entropy(
        _ histogram: UnsafeMutablePointer<UInt32>,
        bins: UnsafeMutablePointer<UInt16>,
        count: Int,
        total: Int
    ) -> Float {
        guard total > 0 else {
            for index in 0..<count { unsafe histogram[Int(bins[index])] = 0 }
            return 0
        }
        var sum: Float = 0
        for index in 0..<count {
            let bin = Int(unsafe bins[index])
            let frequency = Float(unsafe histogram[bin])
            sum += frequency * log2(frequency)
            unsafe histogram[bin] = 0
        }
        let n = Float(total)
        return max(0, log2(n) - sum / n)
    }
}
