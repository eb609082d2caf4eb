import Foundation
import Platform
import Synchronization
import Testing

@Suite struct ClockAndThreadTests {
    @Test func sleepThreadWaitsAtLeastTheDuration() {
        let start = MonotonicDeadline.now()
        sleepThread(for: .milliseconds(20))
        #expect(MonotonicDeadline.now().nanoseconds(since: start) >= 20_000_000)
    }

    @Test func deadlinesSaturateInsteadOfOverflowing() {
        #expect(MonotonicDeadline.after(.seconds(Int64.max)).nanoseconds == .max)
        #expect(!MonotonicDeadline.after(.seconds(60)).hasPassed)
        #expect(MonotonicDeadline.after(.seconds(-1)).hasPassed)
    }

    @Test func stoppableThreadSeesTheStopAndIsJoinedOnce() throws {
        let thread = StoppableThread()
        let loops = Atomic<Int>(0)
        try thread.start(name: "stoppable") {
            while !thread.isStopping {
                loops.add(1, ordering: .relaxed)
                sleepThread(for: .milliseconds(1))
            }
        }
        sleepThread(for: .milliseconds(10))
        #expect(thread.stop())
        #expect(!thread.stop())
        let after = loops.load(ordering: .relaxed)
        sleepThread(for: .milliseconds(10))
        #expect(loops.load(ordering: .relaxed) == after)
    }

    @Test func fingerprintChangesWhenAFileIsReplaced() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileFingerprint(path: path) == nil)
        try "one".write(toFile: path, atomically: false, encoding: .utf8)
        let first = try #require(FileFingerprint(path: path))
        #expect(FileFingerprint(path: path) == first)
        try "three".write(toFile: path, atomically: true, encoding: .utf8)  // a new file renamed over it
        #expect(FileFingerprint(path: path) != first)
    }
}
