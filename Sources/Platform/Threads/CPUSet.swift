#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A set of CPU ids, as the kernel's `cpu_set_t` affinity masks describe them.
///
/// Use ``allowed()`` to learn which CPUs this process may run on: it reads the calling thread's
/// mask with `sched_getaffinity`, so `taskset`, cgroup cpusets and container limits are
/// respected (unlike counting `/proc/cpuinfo`). Assign pinned threads round-robin over it with
/// ``cpu(forThread:)``.
public struct CPUSet: Sendable, Hashable, CustomStringConvertible {
    /// The CPU ids, ascending, without duplicates.
    public let cpus: [Int]

    /// Creates a set from CPU ids.
    /// - Parameter cpus: CPU ids, each in `0..<CPUSet.maximumCPUCount`.
    public init(_ cpus: some Sequence<Int>) {
        let sorted = Set(cpus).sorted()
        precondition(sorted.allSatisfy { (0..<Self.maximumCPUCount).contains($0) }, "CPU id out of range")
        self.cpus = sorted
    }

    /// The largest number of CPUs a `cpu_set_t` can describe (1024 on glibc).
    public static var maximumCPUCount: Int { MemoryLayout<cpu_set_t>.size * 8 }

    /// The number of CPUs in the set.
    public var count: Int { cpus.count }

    /// Whether `cpu` is in the set.
    public func contains(_ cpu: Int) -> Bool { cpus.contains(cpu) }

    /// The CPU to pin the `index`-th thread of a pool to, round-robin over the set.
    /// - Parameter index: The thread's index in its pool, from 0.
    /// - Returns: `cpus[index % count]`.
    public func cpu(forThread index: Int) -> Int {
        precondition(!cpus.isEmpty, "empty CPU set")
        return cpus[index % cpus.count]
    }

    public var description: String { "CPUSet(\(cpus.map(String.init).joined(separator: ",")))" }

    /// The CPUs the calling thread may run on (`sched_getaffinity(0, …)`).
    ///
    /// Called from a thread that has not been pinned, this is the process's allowed set.
    /// - Throws: ``PlatformError`` with code ``PlatformError/Code/affinityUnavailable`` if the
    ///   call fails or is not available.
    public static func allowed() throws(PlatformError) -> CPUSet {
        guard let getAffinity = unsafe _GNUThreadFunctions.getAffinity else {
            throw .affinityUnavailable("sched_getaffinity not found", error: nil)
        }
        var mask = cpu_set_t()
        let result = unsafe getAffinity(0, MemoryLayout<cpu_set_t>.size, &mask)
        guard result == 0 else {
            throw .affinityUnavailable("sched_getaffinity", error: errno)
        }
        return CPUSet(fromMask: mask)
    }

    /// Reads the bits of a kernel mask. `cpu_set_t` is imported as a tuple of words and the
    /// `CPU_ISSET` macro is not importable, so we walk its bytes. The kernel stores CPU `n` at
    /// bit `n % 64` of `unsigned long` word `n / 64`; on a little-endian target (x86-64, arm64:
    /// all we build for) that is bit `n % 8` of byte `n / 8`.
    init(fromMask mask: cpu_set_t) {
        var ids: [Int] = []
        unsafe withUnsafeBytes(of: mask) { bytes in
            for unsafe(byteIndex, byte) in unsafe bytes.enumerated() where byte != 0 {
                for bit in 0..<8 where byte & (1 << bit) != 0 {
                    ids.append(byteIndex * 8 + bit)
                }
            }
        }
        self.cpus = ids
    }

    /// The kernel mask with exactly these CPUs set (same little-endian byte layout).
    var mask: cpu_set_t {
        var mask = cpu_set_t()
        unsafe withUnsafeMutableBytes(of: &mask) { bytes in
            for cpu in cpus {
                unsafe bytes[cpu / 8] |= UInt8(1 << (cpu % 8))
            }
        }
        return mask
    }
}
