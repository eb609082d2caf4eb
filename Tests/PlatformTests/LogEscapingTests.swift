import Platform
import Testing

@Suite struct LogEscapingTests {
    @Test func newlinesAndCarriageReturnsCannotForgeALogLine() {
        #expect("m\nlevel=error forged\r".escapedForLog == #"m\nlevel=error forged\r"#)
    }

    @Test func terminalEscapeSequencesAreShownNotInterpreted() {
        #expect("\u{1b}[31mred\u{1b}[0m\u{7}".escapedForLog == #"\u{1b}[31mred\u{1b}[0m\u{7}"#)
        #expect("a\u{0}b\u{7f}c\u{9b}d".escapedForLog == #"a\u{0}b\u{7f}c\u{9b}d"#)
    }

    @Test func bidirectionalOverridesAreShown() {
        #expect("v\u{202e}1.0".escapedForLog == #"v\u{202e}1.0"#)
    }

    @Test func aLiteralBackslashStaysDistinctFromAnEscape() {
        #expect(#"a\nb"#.escapedForLog == #"a\\nb"#)
    }

    @Test func ordinaryTextIsUnchanged() {
        #expect("default@2026.12.01-2010 ünïcode 😀".escapedForLog == "default@2026.12.01-2010 ünïcode 😀")
    }
}
