import Testing

@testable import Demo

/// Where a stepped open-loop sender's requests are due (no clock: `now` is given).
@Suite struct SendScheduleTests {
    @Test func eachStepSpacesItsRequestsAtItsRateFromItsOwnStart() {
        var schedule = SendSchedule(
            steps: [.init(rate: 2, seconds: 1), .init(rate: 4, seconds: 1)],
            startNanoseconds: 1_000
        )
        var due: [Int64] = []
        while let next = schedule.nextDue(now: 1_000) {
            due.append(next)
            schedule.sent()
        }
        #expect(due == [1_000, 500_001_000, 1_000_001_000, 1_250_001_000, 1_500_001_000, 1_750_001_000])
    }

    @Test func aStepWhoseTimeIsUpEndsEvenIfTheSenderIsBehind() {
        var schedule = SendSchedule(
            steps: [.init(rate: 1_000, seconds: 1), .init(rate: 10, seconds: 1)],
            startNanoseconds: 0
        )
        #expect(schedule.nextDue(now: 0) == 0)
        schedule.sent()
        // 1.2 s in: the first step's other 999 requests were never sent; the second step's first
        // request was due at its start, 1 s.
        #expect(schedule.nextDue(now: 1_200_000_000) == 1_000_000_000)
        #expect(schedule.nextDue(now: 2_000_000_000) == nil)
    }

    @Test func aFlatOutStepSendsNowUntilItsTimeIsUp() {
        var schedule = SendSchedule(steps: [.init(rate: 0, seconds: 1)], startNanoseconds: 0)
        #expect(schedule.nextDue(now: 5) == 5)
        schedule.sent()
        #expect(schedule.nextDue(now: 999_999_999) == 999_999_999)
        #expect(schedule.nextDue(now: 1_000_000_000) == nil)
    }
}
