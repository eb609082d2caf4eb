import Platform
import Synchronization

/// Polling threads asking the producer thread, under exactly-once, to commit its open transaction
/// now: a revocation must commit the revoked partitions' answers and offsets before another member
/// reads them. Only the producer thread touches the transactional producer, so the others ask.
///
/// Memory ordering: requests and completions are counters under one `Mutex`; the producer thread
/// reads the request count through `latest` (acquire, paired with the release store after the
/// counter rose), so an ask it sees is one whose answers were released before it asked.
package final class TransactionCommitRequests: Sendable {
    private struct State {
        var requested = 0
        var completed = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let latest = Atomic<Int>(0)

    package init() {}

    /// Asks for a commit and waits for it until `deadline`; true once a commit that started after
    /// the ask has succeeded, or at once when the producer thread has finished (at a stop, after
    /// its last commit: there is nothing left to commit).
    package func commitAndWait(until deadline: MonotonicDeadline) -> Bool {
        let ticket: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            state.requested += 1
            return state.requested
        }
        guard let ticket else { return true }
        latest.store(ticket, ordering: .releasing)
        while !deadline.hasPassed {
            let outcome: Bool? = state.withLock { state in
                state.completed >= ticket ? true : state.closed ? true : nil
            }
            if let outcome { return outcome }
            sleepThread(for: .milliseconds(1))
        }
        return false
    }

    /// Producer thread: the highest request so far (0: none).
    package var requested: Int { latest.load(ordering: .acquiring) }

    /// Producer thread: requests up to `ticket` are served by a commit that has succeeded.
    package func served(upTo ticket: Int) {
        state.withLock { $0.completed = max($0.completed, ticket) }
    }

    /// Producer thread, on leaving: later requests return at once.
    package func close() {
        state.withLock { $0.closed = true }
    }
}
