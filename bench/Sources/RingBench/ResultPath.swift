import Platform
import RingBuffer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The result path on its own: `workers` threads each push `items / workers` results into one
/// `MPSCRing` that one result thread drains in batches of 256 (the service's pipeline does the
/// same with `OutputRecord`s; the choice of this ring is measured on the whole pipeline, in
/// bench/RESULTS.md "Result path: whole-pipeline comparison").
func measureResultPath(
    items: Int,
    workers: Int,
    placement: Placement,
    waitPolicy: WaitPolicy
) throws -> Measurement {
    let perWorker = items / workers
    let total = perWorker * workers
    let barrier = Barrier(parties: workers + 2)
    let received = Atomic<Int>(0)
    let ring = MPSCRing<BenchMessage>(capacity: 1024, waitPolicy: waitPolicy)
    let finishedWorkers = Atomic<Int>(0)

    let workerThreads = try (0..<workers).map { index in
        try PinnedThread(name: "bench-w\(index)", cpu: placement.cpu(index + 1)) {
            barrier.arriveAndWait()
            for offset in 0..<perWorker {
                let message = BenchMessage(partition: Int32(index), offset: Int64(offset), key: 0, value: 0)
                if !ring.tryPush(message) { _ = ring.push(message, timeout: nil) }
            }
            // Acquire-release: the last worker to finish closes after everyone's pushes.
            if finishedWorkers.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == workers {
                ring.close()
            }
        }
    }
    let resultThread = try PinnedThread(name: "bench-result", cpu: placement.cpu(0)) {
        barrier.arriveAndWait()
        var count = 0
        while true {
            let got = ring.takeBatch(max: 256, timeout: nil) { _ in }
            if got == 0 { break }
            count += got
        }
        received.store(count, ordering: .relaxed)
    }
    barrier.arriveAndWait()
    let cpuBefore = processCPUSeconds()
    let start = now()
    for thread in workerThreads { thread.join() }
    resultThread.join()
    let wall = now() - start
    let cpu = processCPUSeconds() - cpuBefore
    precondition(received.load(ordering: .relaxed) == total, "lost results")
    return Measurement(items: total, wallSeconds: wall, cpuSeconds: cpu)
}

/// CPU seconds a worker parked on an empty ring uses over `seconds` (it loops on
/// `takeBatch(timeout: 100 ms)`, as a pipeline worker would), and the whole process's.
func measureIdleCPU(seconds: Double) throws -> (worker: Double, process: Double) {
    let ring = SPMCRing<BenchMessage>(capacity: 1024)
    let workerCPU = Mutex<Double>(0)
    let processBefore = processCPUSeconds()
    let worker = try PinnedThread(name: "bench-idle", cpu: nil) {
        let before = threadCPUSeconds()
        while ring.takeBatch(max: 64, timeout: .milliseconds(100), { _ in }) > 0 || !ring.isClosed {}
        let used = threadCPUSeconds() - before
        workerCPU.withLock { $0 = used }
    }
    let deadline = now() + seconds
    while now() < deadline {
        sleepThread(for: .milliseconds(50))
    }
    ring.close()
    worker.join()
    return (workerCPU.withLock { $0 }, processCPUSeconds() - processBefore)
}
