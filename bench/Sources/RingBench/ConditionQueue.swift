#if canImport(Glibc)
import Glibc
#endif

/// Baseline 2: the textbook blocking queue, an ``ArrayDeque`` under a pthread mutex with
/// "not empty" and "not full" condition variables.
@safe final class ConditionQueue: HandOffQueue, @unchecked Sendable {
    // @unchecked: `deque` and `closed` are only touched with `mutex` held. @safe: the pthread objects
    // are allocated in init and freed in deinit, and only this class points at them.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var deque: ArrayDeque<BenchMessage>
    private var closed = false

    init(capacity: Int) {
        deque = ArrayDeque(capacity: capacity)
        unsafe pthread_mutex_init(mutex, nil)
        unsafe pthread_cond_init(notEmpty, nil)
        unsafe pthread_cond_init(notFull, nil)
    }

    deinit {
        unsafe pthread_cond_destroy(notFull)
        unsafe pthread_cond_destroy(notEmpty)
        unsafe pthread_mutex_destroy(mutex)
        unsafe mutex.deallocate()
        unsafe notEmpty.deallocate()
        unsafe notFull.deallocate()
    }

    func push(_ message: BenchMessage) {
        unsafe pthread_mutex_lock(mutex)
        while deque.isFull {
            unsafe pthread_cond_wait(notFull, mutex)
        }
        deque.append(message)
        unsafe pthread_cond_signal(notEmpty)
        unsafe pthread_mutex_unlock(mutex)
    }

    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int {
        unsafe pthread_mutex_lock(mutex)
        while deque.isEmpty && !closed {
            unsafe pthread_cond_wait(notEmpty, mutex)
        }
        var taken = 0
        while taken < max && !deque.isEmpty {
            body(deque.removeFirst())
            taken += 1
        }
        if taken > 0 {
            unsafe pthread_cond_signal(notFull)
        }
        unsafe pthread_mutex_unlock(mutex)
        return taken
    }

    func close() {
        unsafe pthread_mutex_lock(mutex)
        closed = true
        unsafe pthread_cond_broadcast(notEmpty)
        unsafe pthread_mutex_unlock(mutex)
    }
}
