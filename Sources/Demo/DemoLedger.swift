import Kafka
import Service
import Synchronization

/// What the demo's sender and observer share: each request's intended send time, whether it was
/// answered, and the tallies. One `Mutex` guards it; both sides touch it once per request.
///
/// Requests are kept in chunks of 65,536, and a chunk whose requests are all answered is released
/// (any later answer to it is a duplicate), so a long run holds only the chunks still in flight:
/// a ten-minute soak at 20,000/s would otherwise keep 12 million entries.
final class DemoLedger: @unchecked Sendable {
    struct Counts {
        var sent = 0
        var answered = 0
        var predicted = 0
        var deadLettered = 0
        var anomalous = 0
        var duplicates = 0
    }

    static let chunkSize = 65_536

    private struct Chunk {
        var intended: [Int64] = []
        var answered: [Bool] = []
        var answeredCount = 0
    }

    private struct State {
        /// nil: every request of the chunk was answered, and its entries released.
        var chunks: [Chunk?] = []
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
            precondition(index == state.counts.sent, "requests are recorded in order")
            let chunk = index / Self.chunkSize
            if chunk == state.chunks.count {
                var fresh = Chunk()
                fresh.intended.reserveCapacity(Self.chunkSize)
                fresh.answered.reserveCapacity(Self.chunkSize)
                state.chunks.append(fresh)
            }
            state.chunks[chunk]!.intended.append(intendedNanoseconds)
            state.chunks[chunk]!.answered.append(false)
            state.counts.sent += 1
        }
    }

    /// Records an answer for the request whose key is `d-<index>`.
    func answered(key: [UInt8]?, deadLetter: Bool, anomalous: Bool, at now: Duration) {
        guard let index = Self.index(of: key) else { return }
        let latency: Int64? = state.withLock { state in
            guard index < state.counts.sent else { return nil }
            let chunk = index / Self.chunkSize
            let offset = index % Self.chunkSize
            guard state.chunks[chunk] != nil, !state.chunks[chunk]!.answered[offset] else {
                state.counts.duplicates += 1
                return nil
            }
            state.chunks[chunk]!.answered[offset] = true
            state.chunks[chunk]!.answeredCount += 1
            let intended = state.chunks[chunk]!.intended[offset]
            if state.chunks[chunk]!.answeredCount == Self.chunkSize { state.chunks[chunk] = nil }
            state.counts.answered += 1
            state.lastAnswer = now
            if deadLetter {
                state.counts.deadLettered += 1
            } else {
                state.counts.predicted += 1
                if anomalous { state.counts.anomalous += 1 }
            }
            guard intended >= warmupEndNanoseconds.load(ordering: .relaxed) else { return nil }
            return now.nanosecondsSinceOrigin - intended
        }
        if let latency {
            self.latency.record(nanoseconds: latency)
            latencySink?(latency)
        }
    }

    var counts: Counts { state.withLock { $0.counts } }
    /// Chunks still holding entries (for tests: released chunks are the bound on memory).
    var heldChunks: Int { state.withLock { $0.chunks.filter { $0 != nil }.count } }
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
