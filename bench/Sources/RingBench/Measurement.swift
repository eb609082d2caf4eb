import Platform
import RingBuffer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wall time and CPU time of one run.
struct Measurement {
    var items: Int
    var wallSeconds: Double
    var cpuSeconds: Double

    var itemsPerSecond: Double { Double(items) / wallSeconds }
    var cpuNanosecondsPerItem: Double { cpuSeconds * 1e9 / Double(items) }
}

/// Process CPU seconds (user + system, all threads), from `getrusage(RUSAGE_SELF)`.
func processCPUSeconds() -> Double {
    cpuSeconds(who: __rusage_who_t(0))
}

/// The calling thread's CPU seconds, from `getrusage(RUSAGE_THREAD)`.
func threadCPUSeconds() -> Double {
    cpuSeconds(who: __rusage_who_t(1))
}

private func cpuSeconds(who: __rusage_who_t) -> Double {
    var usage = rusage()
    unsafe getrusage(who, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Monotonic seconds.
func now() -> Double {
    Double(MonotonicDeadline.now().nanoseconds) / 1e9
}

/// Runs one producer (a pinned thread) and `consumers` consumer threads over `queue`.
func measureHandOff(
    queue: some HandOffQueue,
    items: Int,
    consumers: Int,
    batch: Int,
    placement: Placement
) throws -> Measurement {
    let barrier = Barrier(parties: consumers + 2)
    let taken = Atomic<Int>(0)
    let checksum = Atomic<Int>(0)
    let consumerThreads = try (0..<consumers).map { index in
        try PinnedThread(name: "bench-c\(index)", cpu: placement.cpu(index + 1)) {
            var count = 0
            var sum = 0
            barrier.arriveAndWait()
            while true {
                let got = queue.takeBatch(max: batch) { message in
                    sum &+= Int(message.offset)
                }
                if got == 0 { break }
                count += got
            }
            taken.wrappingAdd(count, ordering: .relaxed)
            checksum.wrappingAdd(sum, ordering: .relaxed)
        }
    }
    let producer = try PinnedThread(name: "bench-p", cpu: placement.cpu(0)) {
        barrier.arriveAndWait()
        for offset in 0..<items {
            queue.push(BenchMessage(partition: 0, offset: Int64(offset), key: UInt64(offset), value: 0))
        }
        queue.close()
    }
    barrier.arriveAndWait()
    let cpuBefore = processCPUSeconds()
    let start = now()
    producer.join()
    for thread in consumerThreads { thread.join() }
    let wall = now() - start
    let cpu = processCPUSeconds() - cpuBefore
    precondition(taken.load(ordering: .relaxed) == items, "lost or duplicated items")
    precondition(checksum.load(ordering: .relaxed) == items * (items - 1) / 2, "checksum mismatch")
    return Measurement(items: items, wallSeconds: wall, cpuSeconds: cpu)
}
