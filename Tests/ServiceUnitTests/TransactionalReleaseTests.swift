import Kafka
import Platform
import Service
import Testing

/// Exactly-once's ordering rule: an answer is released only with every lower offset of its
/// partition, so a transaction never carries an answer above the watermark it commits.
@Suite struct TransactionalReleaseTests {
    let partition = TopicPartition(topic: "requests", partition: 2)

    private func answer(_ ticket: OffsetTracker.Ticket, _ text: String) -> OutputRecord {
        OutputRecord(
            destination: .prediction,
            ticket: ticket,
            key: nil,
            value: Array(text.utf8),
            receivedNanoseconds: 0
        )
    }

    private func texts(_ answers: [OutputRecord], _ range: Range<Int>) -> [String] {
        answers[range].map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    @Test func answersAreReleasedInOffsetOrderOnlyOnceTheirPrefixIsAnswered() {
        let tracker = OffsetTracker()
        let tickets = (0..<4).map { tracker.begin(partition, offset: Int64(10 + $0), consumer: 0) }
        var answers: [OutputRecord] = []
        #expect(tracker.complete(tickets[2], holding: answer(tickets[2], "12")))
        #expect(tracker.complete(tickets[1], holding: answer(tickets[1], "11")))
        #expect(tracker.takeReleased(into: &answers).isEmpty)
        #expect(answers.isEmpty)

        #expect(tracker.complete(tickets[0], holding: answer(tickets[0], "10")))
        let released = tracker.takeReleased(into: &answers)
        #expect(released.count == 1)
        #expect(released.first?.watermark.position.offset == 13)
        #expect(texts(answers, released[0].answers) == ["10", "11", "12"])
        #expect(tracker.inFlight(partition) == 1)
    }

    @Test func aRevokedPartitionDropsItsHeldAnswersAndInvalidatesWhatWasReleased() throws {
        let tracker = OffsetTracker()
        let first = tracker.begin(partition, offset: 5, consumer: 0)
        let second = tracker.begin(partition, offset: 6, consumer: 0)
        var answers: [OutputRecord] = []
        #expect(tracker.complete(first, holding: answer(first, "5")))
        let released = tracker.takeReleased(into: &answers)
        let watermark = try #require(released.first?.watermark)
        #expect(tracker.isCurrent(slot: watermark.slot, generation: watermark.generation))
        // Answered but held behind nothing: released at the next take, unless revoked first.
        tracker.forget([partition])
        #expect(!tracker.complete(second, holding: answer(second, "6")))
        #expect(!tracker.isCurrent(slot: watermark.slot, generation: watermark.generation))

        // Assigned back and read again from 5: the old answers never come out.
        let again = tracker.begin(partition, offset: 5, consumer: 0)
        answers.removeAll()
        #expect(tracker.complete(again, holding: answer(again, "5 again")))
        let next = tracker.takeReleased(into: &answers)
        #expect(texts(answers, next[0].answers) == ["5 again"])
        #expect(next[0].watermark.position.offset == 6)
    }

    @Test func heldAnswersAboveAWithdrawalAreDroppedWithTheirRegistrations() {
        let tracker = OffsetTracker()
        let tickets = (0..<3).map { tracker.begin(partition, offset: Int64($0), consumer: 1) }
        var answers: [OutputRecord] = []
        #expect(tracker.complete(tickets[2], holding: answer(tickets[2], "2")))
        tracker.withdraw(partition, from: 1)
        #expect(tracker.complete(tickets[0], holding: answer(tickets[0], "0")))
        let released = tracker.takeReleased(into: &answers)
        #expect(texts(answers, released[0].answers) == ["0"])
        #expect(released[0].watermark.position.offset == 1)
        #expect(released[0].watermark.consumer == 1)
    }

    @Test func releasingKeepsOrderAcrossTheWindowsCompaction() {
        let tracker = OffsetTracker()
        let count = 10_000
        let tickets = (0..<count).map { tracker.begin(partition, offset: Int64($0), consumer: 0) }
        var answers: [OutputRecord] = []
        var releasedOffsets: [Int] = []
        // Completed in reversed blocks of 100, released as each block's prefix closes.
        for block in stride(from: 0, to: count, by: 100) {
            for index in (block..<block + 100).reversed() {
                #expect(tracker.complete(tickets[index], holding: answer(tickets[index], "\(index)")))
            }
            answers.removeAll()
            for partition in tracker.takeReleased(into: &answers) {
                releasedOffsets += texts(answers, partition.answers).map { Int($0)! }
            }
        }
        #expect(releasedOffsets == Array(0..<count))
        #expect(tracker.inFlight(partition) == 0)
    }
}
