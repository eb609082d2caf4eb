import Platform
import Testing

/// The helpers that stand in for full Foundation's `String(format:)` and
/// `trimmingCharacters(in:)`: `score`'s report and table must read as they did.
@Suite struct TextFormattingTests {
    @Test func fixedDecimalsReadAsPrintfWritesThem() {
        #expect(String(2.0 / 3.0, decimals: 2) == "0.67")
        #expect(String(1.25, decimals: 1) == "1.2")  // the binary value, half to even
        #expect(String(1.35, decimals: 1) == "1.4")  // 1.350000000000000088...
        #expect(String(0.5, decimals: 0) == "0")
        #expect(String(-0.004, decimals: 2) == "-0.00")
        #expect(String(1e20, decimals: 2) == "100000000000000000000.00")
        #expect(String(12.3456, decimals: 3) == "12.346")
    }

    @Test func aWidthPadsOnTheLeftAndNeverCuts() {
        #expect(String(95.0, decimals: 2, width: 6) == " 95.00")
        #expect(String(100.0, decimals: 2, width: 6) == "100.00")
        #expect(String(1234.5, decimals: 2, width: 6) == "1234.50")
        #expect(String(Double.infinity, decimals: 2, width: 6) == "   inf")
        #expect(String(-Double.infinity, decimals: 2) == "-inf")
        #expect(String(Double.nan, decimals: 2, width: 6) == "   nan")
    }

    @Test func integersPadToAWidthAsPercentStarD() {
        #expect(String(42, width: 7) == "     42")
        #expect(String(-42, width: 7) == "    -42")
        #expect(String(12_345_678, width: 7) == "12345678")
        #expect(String(0, width: 0) == "0")
    }

    @Test func trimmingWhitespaceKeepsInnerSpaces() {
        #expect(" \t requests , b ".trimmingWhitespace == "requests , b")
        #expect("a b".trimmingWhitespace == "a b")
        #expect(" \t ".trimmingWhitespace.isEmpty)
        #expect("".trimmingWhitespace.isEmpty)
        #expect("x".dropFirst(0).trimmingWhitespace == "x")
    }
}
