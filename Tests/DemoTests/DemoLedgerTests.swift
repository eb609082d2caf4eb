import Testing

@testable import Demo

@Suite struct DemoLedgerTests {
    func key(_ index: Int) -> [UInt8] { Array("d-\(index)".utf8) }

    @Test func answeredChunksAreReleasedAndLaterAnswersStillCountAsDuplicates() {
        let ledger = DemoLedger()
        let count = DemoLedger.chunkSize * 2 + 10
        for index in 0..<count { ledger.sent(index, intendedNanoseconds: Int64(index)) }
        let now = Duration.seconds(1)
        // Answer the first chunk completely (it is released), and part of the second.
        for index in 0..<(DemoLedger.chunkSize + 5) {
            ledger.answered(key: key(index), deadLetter: index % 10 == 0, anomalous: index % 3 == 0, at: now)
        }
        ledger.answered(key: key(7), deadLetter: false, anomalous: false, at: now)  // released chunk
        ledger.answered(key: key(DemoLedger.chunkSize + 1), deadLetter: false, anomalous: false, at: now)  // held chunk
        ledger.answered(key: key(count + 5), deadLetter: false, anomalous: false, at: now)  // never sent: ignored
        ledger.answered(key: Array("other".utf8), deadLetter: false, anomalous: false, at: now)  // not the demo's
        let counts = ledger.counts
        #expect(counts.sent == count)
        #expect(counts.answered == DemoLedger.chunkSize + 5)
        #expect(counts.duplicates == 2)
        #expect(counts.deadLettered == (DemoLedger.chunkSize + 5 + 9) / 10)
        #expect(counts.predicted == counts.answered - counts.deadLettered)
        #expect(ledger.heldChunks == 2, "the answered chunk is released, the others are held")
    }
}
