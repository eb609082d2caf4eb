import Synchronization

/// A background thread a component owns: started once, asked to stop, joined once.
///
/// `stopping` is released by ``stop()`` and acquired by the thread's loop (``isStopping``), so
/// the loop sees everything done before the request; the thread handle sits behind a mutex so
/// exactly one caller joins it.
public final class StoppableThread: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<PinnedThread?>(nil)

    public init() {}

    /// Whether ``stop()`` was called: the thread's loop condition.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Starts `body` on a thread called `name`.
    ///
    /// - Throws: ``PlatformError`` when the thread cannot be created.
    public func start(name: String, _ body: @escaping @Sendable () -> Void) throws(PlatformError) {
        let started = try PinnedThread(name: name, cpu: nil, body: body)
        thread.withLock { $0 = started }
    }

    /// Asks the thread to stop and waits for it; returns false if it was already stopped.
    @discardableResult
    public func stop() -> Bool {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
        return true
    }
}
