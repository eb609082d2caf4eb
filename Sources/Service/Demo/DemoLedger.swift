import Kafka
import Synchronization

/// What the demo's sender and observer share: each request's intended send time, whether it was
/// answered, and the tallies. One `Mutex` guards it; both sides touch it once per request.
final class DemoLedger: @unchecked Sendable {
    struct Counts {
        var sent = 0
        var answered = 0
        var predicted = 0
        var deadLettered = 0
        var anomalous = 0
        var duplicates = 0
    }

    private struct State {
        var intended: [Int64] = []
        var answered: [Bool] = []
        var counts = Counts()
        var lastAnswer: Duration?
    }

    private let state = Mutex(State())
    let latency = LatencyRecorder()
    /// Owned by the status loop (one thread).
    var total = LatencyHistogram()
    var answeredAtLastStatus = 0
    /// Requests due before this (monotonic nanoseconds) are answered and counted but their latency
    /// is not recorded: the first second measures group start-up, not the steady state.
    let warmupEndNanoseconds = Atomic<Int64>(0)
    /// Sees every recorded latency too.
    let latencySink: (@Sendable (Int64) -> Void)?

    init(latencySink: (@Sendable (Int64) -> Void)? = nil) {
        self.latencySink = latencySink
    }

    /// Records request `index`'s intended send time (monotonic nanoseconds); indices come in order.
    func sent(_ index: Int, intendedNanoseconds: Int64) {
        state.withLock { state in
            precondition(index == state.intended.count, "requests are recorded in order")
            state.intended.append(intendedNanoseconds)
            state.answered.append(false)
            state.counts.sent += 1
        }
    }

    /// Records an answer for the request whose key is `d-<index>`.
    func answered(key: [UInt8]?, deadLetter: Bool, anomalous: Bool, at now: Duration) {
        guard let index = Self.index(of: key) else { return }
        let latency: Int64? = state.withLock { state in
            guard index < state.answered.count else { return nil }
            if state.answered[index] {
                state.counts.duplicates += 1
                return nil
            }
            state.answered[index] = true
            state.counts.answered += 1
            state.lastAnswer = now
            if deadLetter {
                state.counts.deadLettered += 1
            } else {
                state.counts.predicted += 1
                if anomalous { state.counts.anomalous += 1 }
            }
            guard state.intended[index] >= warmupEndNanoseconds.load(ordering: .relaxed) else { return nil }
            return now.nanosecondsSinceOrigin - state.intended[index]
        }
        if let latency {
            self.latency.record(nanoseconds: latency)
            latencySink?(latency)
        }
    }

    var counts: Counts { state.withLock { $0.counts } }
    var lastAnswer: Duration? { state.withLock { $0.lastAnswer } }

    static func index(of key: [UInt8]?) -> Int? {
        guard let key, key.count > 2, key[0] == UInt8(ascii: "d"), key[1] == UInt8(ascii: "-") else { return nil }
        var value = 0
        for byte in key[2...] {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension Duration {
    var nanosecondsSinceOrigin: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
