import Platform
import RingBuffer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The two result-path candidates: `workers` threads each push `items / workers` results to the
/// one result thread, either through one `MPSCRing` or through one `SPSCRing` per worker that
/// the result thread drains round-robin, sleeping on a shared `Parker` when all are empty.
enum ResultPath: String, CaseIterable {
    case mpsc = "mpsc-ring"
    case spscPerWorker = "spsc-per-worker"
}

func measureResultPath(
    _ path: ResultPath,
    items: Int,
    workers: Int,
    placement: Placement,
    waitPolicy: WaitPolicy
) throws -> Measurement {
    let perWorker = items / workers
    let total = perWorker * workers
    let barrier = Barrier(parties: workers + 2)
    let received = Atomic<Int>(0)
    let parker = Parker()
    let mpsc = MPSCRing<BenchMessage>(capacity: 1024, parker: parker, waitPolicy: waitPolicy)
    let spsc = (0..<workers).map { _ in
        SPSCRing<BenchMessage>(capacity: 1024, parker: parker, waitPolicy: waitPolicy)
    }
    let finishedWorkers = Atomic<Int>(0)

    let workerThreads = try (0..<workers).map { index in
        try PinnedThread(name: "bench-w\(index)", cpu: placement.cpu(index + 1)) {
            barrier.arriveAndWait()
            for offset in 0..<perWorker {
                let message = BenchMessage(partition: Int32(index), offset: Int64(offset), key: 0, value: 0)
                switch path {
                case .mpsc:
                    if !mpsc.tryPush(message) { _ = mpsc.push(message, timeout: nil) }
                case .spscPerWorker:
                    if !spsc[index].tryPush(message) { _ = spsc[index].push(message, timeout: nil) }
                }
            }
            switch path {
            case .mpsc:
                // Acquire-release: the last worker to finish closes after everyone's pushes.
                if finishedWorkers.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == workers {
                    mpsc.close()
                }
            case .spscPerWorker:
                spsc[index].close()
            }
        }
    }
    let resultThread = try PinnedThread(name: "bench-result", cpu: placement.cpu(0)) {
        barrier.arriveAndWait()
        var count = 0
        switch path {
        case .mpsc:
            while true {
                let got = mpsc.takeBatch(max: 256, timeout: nil) { _ in }
                if got == 0 { break }
                count += got
            }
        case .spscPerWorker:
            while true {
                var got = 0
                for ring in spsc {
                    got += ring.tryTakeBatch(max: 256) { _ in }
                }
                count += got
                if got > 0 { continue }
                if spsc.allSatisfy({ $0.isClosed && $0.isEmpty }) { break }
                // Same spin-yield-park schedule as `MPSCRing.takeBatch(max:timeout:)`.
                parker.wait(policy: waitPolicy, timeout: .milliseconds(100)) {
                    spsc.contains { !$0.isEmpty } || spsc.allSatisfy(\.isClosed)
                }
            }
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
        _ = Glibc.usleep(50_000)
    }
    ring.close()
    worker.join()
    return (workerCPU.withLock { $0 }, processCPUSeconds() - processBefore)
}
