import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A named POSIX thread, optionally pinned to one CPU, that runs a closure once.
///
/// The pipeline runs its Kafka pollers, workers and the result producer on these threads rather
/// than on Swift's cooperative pool, because they block (in `rd_kafka_consume`, in a parked
/// ``Parker``) and because pinning keeps a worker's ring slots hot in one core's cache.
///
///     let cpus = try CPUSet.allowed()
///     let workers = try (0..<4).map { index in
///         try PinnedThread(name: "worker-\(index)", cpu: cpus.cpu(forThread: index)) {
///             // take batches until the ring is closed and drained
///         }
///     }
///     for worker in workers { worker.join() }
///
/// The thread starts in the initializer. Call ``join()`` once to wait for it; a thread that is
/// never joined is detached when this object is deinitialized.
///
/// ### Implementation Notes
///
/// The name is set with `pthread_setname_np` (truncated to the kernel's 15 bytes at a UTF-8
/// character boundary) and the CPU with `pthread_setaffinity_np`, both from the new thread
/// itself before `body` runs, so `body` never observes an unpinned thread. The CPU must be in
/// ``CPUSet/allowed()``, checked up front, so `taskset` and container limits are respected.
public final class PinnedThread: Sendable {
    /// The thread's name as requested (the kernel sees at most its first 15 bytes).
    public let name: String
    /// The CPU the thread is pinned to, or `nil` if it may run anywhere in the allowed set.
    public let cpu: Int?

    private let handle: pthread_t
    /// 0 = running or finished but not joined, 1 = joined.
    private let joined = Atomic<Bool>(false)

    /// Starts a thread running `body`.
    /// - Parameters:
    ///   - name: The thread's name, as shown by `top -H`, `ps -L` and debuggers.
    ///   - cpu: The CPU to pin the thread to, or `nil` not to pin it.
    ///   - body: The work the thread does; the thread ends when it returns.
    /// - Throws: ``PlatformError`` if `cpu` is not allowed or the thread cannot be created.
    public init(name: String, cpu: Int?, body: @escaping @Sendable () -> Void) throws(PlatformError) {
        if let cpu {
            let allowed = try CPUSet.allowed()
            guard allowed.contains(cpu) else {
                throw .cpuNotAllowed(cpu: cpu, allowed: allowed)
            }
            guard unsafe _GNUThreadFunctions.setThreadAffinity != nil else {
                throw .affinityUnavailable("pthread_setaffinity_np not found", error: nil)
            }
        }
        self.name = name
        self.cpu = cpu
        let start = _ThreadStart(name: Self.kernelName(name), cpu: cpu, body: body)
        let context = unsafe Unmanaged.passRetained(start).toOpaque()
        var handle = pthread_t()
        let result = unsafe pthread_create(
            &handle,
            nil,
            { context in
                let start = unsafe Unmanaged<_ThreadStart>.fromOpaque(context!).takeRetainedValue()
                start.run()
                return nil
            },
            context
        )
        guard result == 0 else {
            unsafe Unmanaged<_ThreadStart>.fromOpaque(context).release()
            throw .threadCreationFailed(name: name, error: result)
        }
        self.handle = handle
    }

    deinit {
        if !joined.load(ordering: .relaxed) {
            pthread_detach(handle)
        }
    }

    /// Waits for the thread to finish.
    ///
    /// Call it at most once, and not from the thread itself.
    public func join() {
        let (first, _) = joined.compareExchange(expected: false, desired: true, ordering: .relaxed)
        precondition(first, "PinnedThread '\(name)' joined twice")
        let result = pthread_join(handle, nil)
        precondition(result == 0, "pthread_join failed: \(result)")
    }

    /// `name` cut to at most 15 UTF-8 bytes without splitting a character.
    static func kernelName(_ name: String) -> String {
        var result = ""
        for character in name {
            guard result.utf8.count + String(character).utf8.count <= 15 else { break }
            result.append(character)
        }
        return result
    }

    /// The calling thread's kernel name (`pthread_getname_np`), for tests and diagnostics.
    public static var currentName: String? {
        guard let getName = unsafe _GNUThreadFunctions.getThreadName else { return nil }
        var buffer = [CChar](repeating: 0, count: 32)
        let result = unsafe buffer.withUnsafeMutableBufferPointer {
            unsafe getName(pthread_self(), $0.baseAddress, $0.count)
        }
        guard result == 0 else { return nil }
        return unsafe buffer.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) }
    }
}

/// What a new thread needs: a class so it can cross `pthread_create`'s `void *`.
private final class _ThreadStart: Sendable {
    let name: String
    let cpu: Int?
    let body: @Sendable () -> Void

    init(name: String, cpu: Int?, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.cpu = cpu
        self.body = body
    }

    func run() {
        if let setName = unsafe _GNUThreadFunctions.setThreadName {
            _ = unsafe name.withCString { unsafe setName(pthread_self(), $0) }
        }
        if let cpu, let setAffinity = unsafe _GNUThreadFunctions.setThreadAffinity {
            var mask = CPUSet([cpu]).mask
            let result = unsafe setAffinity(pthread_self(), MemoryLayout<cpu_set_t>.size, &mask)
            precondition(result == 0, "pthread_setaffinity_np(\(cpu)) failed: \(result)")
        }
        body()
    }
}
