#if canImport(Glibc)
import Glibc
#endif

/// Baseline 2: the textbook blocking queue, an ``ArrayDeque`` under a pthread mutex with
/// "not empty" and "not full" condition variables.
final class ConditionQueue: HandOffQueue, @unchecked Sendable {
    // @unchecked: `deque` and `closed` are only touched with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var deque: ArrayDeque<BenchMessage>
    private var closed = false

    init(capacity: Int) {
        deque = ArrayDeque(capacity: capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        notEmpty.deallocate()
        notFull.deallocate()
    }

    func push(_ message: BenchMessage) {
        pthread_mutex_lock(mutex)
        while deque.isFull {
            pthread_cond_wait(notFull, mutex)
        }
        deque.append(message)
        pthread_cond_signal(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int {
        pthread_mutex_lock(mutex)
        while deque.isEmpty && !closed {
            pthread_cond_wait(notEmpty, mutex)
        }
        var taken = 0
        while taken < max && !deque.isEmpty {
            body(deque.removeFirst())
            taken += 1
        }
        if taken > 0 {
            pthread_cond_signal(notFull)
        }
        pthread_mutex_unlock(mutex)
        return taken
    }

    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_mutex_unlock(mutex)
    }
}
