import RingBuffer
import Synchronization

/// A background thread a service component owns: started once, asked to stop, joined once.
///
/// `stopping` is released by ``stop()`` and acquired by the thread's loop (``isStopping``), so
/// the loop sees everything done before the request; the thread handle sits behind a mutex so
/// exactly one caller joins it.
final class ServiceThread: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<PinnedThread?>(nil)

    /// Whether ``stop()`` was called: the thread's loop condition.
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Starts `body` on a thread called `name`.
    func start(name: String, _ body: @escaping @Sendable () -> Void) throws(ServiceError) {
        do {
            let started = try PinnedThread(name: name, cpu: nil, body: body)
            thread.withLock { $0 = started }
        } catch {
            throw .startup("cannot start thread \(name): \(error)")
        }
    }

    /// Asks the thread to stop and waits for it; returns false if it was already stopped.
    @discardableResult
    func stop() -> Bool {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
        return true
    }
}
