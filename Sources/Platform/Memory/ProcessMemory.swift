#if canImport(Glibc)
import Glibc
#endif

/// The process's memory as the kernel and the allocator see it: what a container allows, what is
/// resident, and a way to hand freed heap back after a backlog.
public enum ProcessMemory {
    /// The container's memory limit in bytes (cgroup v2 `memory.max`, else cgroup v1
    /// `memory.limit_in_bytes`), or nil when there is none.
    public static func containerLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = readSmallFile(path)?.split(whereSeparator: \.isWhitespace).first else { continue }
            // "max" (v2) or a huge number (v1: a page-rounded Int64.max) mean no limit.
            guard let bytes = Int(text), bytes < 1 << 60 else { return nil }
            return bytes
        }
        return nil
    }

    /// Resident set size now and its peak (`VmRSS`, `VmHWM` of `/proc/<pid>/status`), in bytes, of
    /// process `pid` (nil: this one); nil once it has exited.
    public static func residentBytes(ofProcess pid: Int32? = nil) -> (current: Int, peak: Int)? {
        guard let status = readSmallFile("/proc/\(pid.map(String.init) ?? "self")/status") else { return nil }
        var current: Int?
        var peak: Int?
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
            if fields[0] == "VmRSS:" { current = kilobytes * 1_024 }
            if fields[0] == "VmHWM:" { peak = kilobytes * 1_024 }
        }
        guard let current, let peak else { return nil }
        return (current, peak)
    }

    /// Returns free pages of every malloc arena to the kernel (`malloc_trim(0)`).
    ///
    /// glibc keeps freed heap for reuse, so after a backlog of large records drains the resident
    /// size stays at its peak while idle. Trimming walks all arenas and costs about a millisecond
    /// per GiB of heap: call it after a backlog, not per record.
    @discardableResult
    ///
    /// Under jemalloc (which `anomaly-service` links, docs/DEPLOY.md) glibc's trim has nothing to
    /// trim: the dirty pages of every jemalloc arena are purged instead (`arena.4096.purge`, 4096
    /// being `MALLCTL_ARENAS_ALL`), which jemalloc would otherwise return only as later
    /// allocations let its ten-second decay run.
    public static func returnFreedHeap() -> Bool {
        if let control = unsafe jemallocControl {
            return unsafe control("arena.4096.purge", nil, nil, nil, 0) == 0
        }
        guard let trim = mallocTrim else { return false }
        return trim(0) != 0
    }

    /// Serves every allocation of at least `bytes` with its own `mmap`, returned to the kernel
    /// when freed (`mallopt(M_MMAP_THRESHOLD, bytes)`).
    ///
    /// glibc starts at 128 KiB but raises the threshold to the size of each mmapped block freed,
    /// up to 32 MiB, so after the first large record every later one comes from the heap arenas,
    /// one per thread that allocates: large records then leave freed holes in several arenas and
    /// the resident size drifts above what is live. A fixed threshold keeps large records out of
    /// the arenas, for the cost of an `mmap` and a `munmap` per large allocation (microseconds, on
    /// records of hundreds of kilobytes).
    ///
    /// Fixing that threshold also fixes glibc's trim threshold (twice the default 128 KiB), and a
    /// heap that gives its top back at 128 KiB grows and shrinks with every batch: measured, a third
    /// of the drain's throughput. So the trim threshold is set to `keepingFreeHeap`; the
    /// service returns freed heap itself after a backlog (``returnFreedHeap()``).
    ///
    /// Under jemalloc, which `anomaly-service` links, this only tunes glibc's unused heap: there
    /// `oversize_threshold` (Sources/CBridge/Jemalloc/config.c) keeps large allocations apart.
    @discardableResult
    public static func mapAllocations(ofAtLeast bytes: Int, keepingFreeHeap: Int) -> Bool {
        guard let setOption = mallocOption else { return false }
        // -3: M_MMAP_THRESHOLD, -1: M_TRIM_THRESHOLD.
        return setOption(-3, CInt(clamping: bytes)) == 1 && setOption(-1, CInt(clamping: keepingFreeHeap)) == 1
    }

    /// `int mallopt(int, int)` and `int malloc_trim(size_t)`: glibc's, declared in `<malloc.h>`,
    /// which the Glibc module does not import.
    private static let mallocOption = _GNUThreadFunctions.lookUp(
        "mallopt",
        as: (@convention(c) (CInt, CInt) -> CInt).self
    )
    private static let mallocTrim = _GNUThreadFunctions.lookUp(
        "malloc_trim",
        as: (@convention(c) (Int) -> CInt).self
    )

    /// jemalloc's `int mallctl(const char *, void *, size_t *, void *, size_t)`, when linked.
    private static let jemallocControl = unsafe _GNUThreadFunctions.lookUp(
        "mallctl",
        as: (@convention(c) (
            UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
        ) -> CInt).self
    )

    /// The text of a small file (under 64 KiB), or nil.
    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 65_536)
        let count = unsafe bytes.withUnsafeMutableBytes { unsafe read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }
}
