import Platform
import RingBuffer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Park/wake behaviour: slow producer, slow consumer, close, shared parkers, idle CPU, and a
/// ping-pong that would hang on a lost wake-up.
@Suite(.serialized) struct ParkingTests {
    @Test func consumerParksAndWakesUnderASlowProducer() throws {
        let ring = SPMCRing<Int>(capacity: 64, waitPolicy: WaitPolicy(spins: 10, yields: 0))
        let received = Collected<[Int]>([])
        let consumer = try spawn("slow-prod-c") {
            var values: [Int] = []
            while let value = ring.take(timeout: .seconds(10)) {
                values.append(value)
            }
            received.set(values)
        }
        for value in 0..<100 {
            sleepThread(for: .microseconds(500))
            #expect(ring.tryPush(value))
        }
        ring.close()
        consumer.join()
        #expect(received.value == Array(0..<100))
        #expect(ring.parker.parkCount > 0, "the consumer should have parked between pushes")
    }

    @Test func producerParksAndWakesUnderASlowConsumer() throws {
        let ring = SPMCRing<Int>(capacity: 4, waitPolicy: WaitPolicy(spins: 10, yields: 0))
        let received = Collected<[Int]>([])
        let consumer = try spawn("slow-cons-c") {
            var values: [Int] = []
            while let value = ring.take(timeout: .seconds(10)) {
                values.append(value)
                sleepThread(for: .microseconds(300))
            }
            received.set(values)
        }
        for value in 0..<100 {
            #expect(ring.push(value, timeout: .seconds(10)))
        }
        ring.close()
        consumer.join()
        #expect(received.value == Array(0..<100))
        #expect(ring._producerParkCount > 0, "the producer should have parked on a full ring")
    }

    @Test func closeWakesEveryParkedConsumer() throws {
        let ring = SPMCRing<Int>(capacity: 8, waitPolicy: .parkImmediately)
        let woke = Atomic<Int>(0)
        let consumers = try (0..<3).map { index in
            try spawn("close-c\(index)") {
                if ring.take(timeout: nil) == nil {
                    woke.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        sleepThread(for: .milliseconds(50))
        let start = monotonicSeconds()
        ring.close()
        for thread in consumers { thread.join() }
        #expect(woke.load(ordering: .relaxed) == 3)
        #expect(monotonicSeconds() - start < 2)
    }

    @Test func sharedParkerWakesAWorkerServingSeveralRings() throws {
        let parker = Parker()
        let rings = (0..<3).map { _ in SPMCRing<Int>(capacity: 8, parker: parker) }
        let result = Collected<Int>(-1)
        let worker = try spawn("multi-ring-w") {
            let deadline = MonotonicDeadline.after(.seconds(10))
            while !deadline.hasPassed {
                for ring in rings {
                    if let value = ring.tryTake() {
                        result.set(value)
                        return
                    }
                }
                parker.wait(deadline: deadline) { rings.contains { !$0.isEmpty } }
            }
        }
        sleepThread(for: .milliseconds(30))
        #expect(rings[2].tryPush(42))
        worker.join()
        #expect(result.value == 42)
        #expect(parker.parkCount > 0)
    }

    /// Two threads bounce a token through two capacity-2 rings that park immediately: a lost
    /// wake-up leaves both asleep until the 10 s timeout, which the test reports. One ring of each
    /// kind, so both rings' notify-after-publish paths are exercised.
    @Test func pingPongNeverLosesAWakeUp() throws {
        let rounds = longTestsEnabled ? 200_000 : 5_000
        let ping = SPMCRing<Int>(capacity: 2, waitPolicy: .parkImmediately)
        let pong = MPSCRing<Int>(capacity: 2, waitPolicy: .parkImmediately)
        let echoed = Atomic<Int>(0)
        let echo = try spawn("pong") {
            while true {
                var token = -1
                guard ping.takeBatch(max: 1, timeout: .seconds(10), { token = $0 }) == 1 else { return }
                guard pong.push(token + 1, timeout: .seconds(10)) else { return }
                echoed.wrappingAdd(1, ordering: .relaxed)
            }
        }
        var token = 0
        var timedOut = false
        for _ in 0..<rounds {
            guard ping.push(token, timeout: .seconds(10)) else {
                timedOut = true
                break
            }
            var reply = -1
            guard pong.takeBatch(max: 1, timeout: .seconds(10), { reply = $0 }) == 1 else {
                timedOut = true
                break
            }
            token = reply
        }
        ping.close()
        echo.join()
        #expect(!timedOut)
        #expect(token == rounds)
        #expect(echoed.load(ordering: .relaxed) == rounds)
    }

    @Test func parkedConsumerUsesAlmostNoCPU() throws {
        let ring = SPMCRing<Int>(capacity: 8)
        let cpu = Collected<Double>(-1)
        let consumer = try spawn("idle-c") {
            let before = threadCPUSeconds()
            while ring.take(timeout: .milliseconds(100)) != nil || !ring.isClosed {}
            cpu.set(threadCPUSeconds() - before)
        }
        sleepThread(for: .milliseconds(300))
        ring.close()
        consumer.join()
        #expect(cpu.value >= 0)
        #expect(cpu.value < 0.05, "a parked consumer burned \(cpu.value) s of CPU in 0.3 s")
    }
}
