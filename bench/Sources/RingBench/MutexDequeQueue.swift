import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Baseline 1: an ``ArrayDeque`` inside a `Synchronization.Mutex`. Full and empty are handled
/// the way a simple implementation would: spin a little, then `sched_yield()` and retry.
final class MutexDequeQueue: HandOffQueue {
    private struct State {
        var deque: ArrayDeque<BenchMessage>
        var closed = false
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        state = Mutex(State(deque: ArrayDeque(capacity: capacity)))
    }

    func push(_ message: BenchMessage) {
        var round = 0
        while true {
            let pushed = state.withLock { state in
                if state.deque.isFull { return false }
                state.deque.append(message)
                return true
            }
            if pushed { return }
            backOff(&round)
        }
    }

    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int {
        var round = 0
        while true {
            let (taken, closed) = state.withLock { state in
                var taken = 0
                while taken < max && !state.deque.isEmpty {
                    body(state.deque.removeFirst())
                    taken += 1
                }
                return (taken, state.closed)
            }
            if taken > 0 || closed { return taken }
            backOff(&round)
        }
    }

    func close() {
        state.withLock { $0.closed = true }
    }

    /// The same spin-then-yield schedule as the ring's `WaitPolicy.default`, without parking.
    private func backOff(_ round: inout Int) {
        round += 1
        if round > 100 { sched_yield() }
    }
}
