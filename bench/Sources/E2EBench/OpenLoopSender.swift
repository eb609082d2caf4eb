import Demo
import Foundation
import Kafka
import Platform
import Synchronization

/// The open-loop traffic of `transport-latency`: request `i` (key `d-<i>`) is due at
/// `start + i / rate` and goes then, whether or not earlier ones are answered. A sender that falls
/// behind sends at once but the request keeps its due time, so latency measured from
/// ``intendedNanoseconds(_:)`` includes the delay: no coordinated omission.
///
/// The due times are a function of the index, so the receiver needs no table shared with the
/// sender thread: both compute them from `start` and `rate`, fixed before the thread starts.
final class OpenLoopSender: Sendable {
    let rate: Double
    let count: Int
    /// Monotonic nanoseconds at which request 0 is due.
    let startNanoseconds: Int64
    private let producer: KafkaProducer
    private let topic: String
    private let failures: Failures
    /// The most a request went after its due time, in nanoseconds: the harness's own lag.
    private let maxLag = Atomic<Int64>(0)
    /// Requests sent more than 1 ms after their due time.
    private let late = Atomic<Int>(0)

    /// Delivery failures, counted by the producer's callback.
    private final class Failures: Sendable {
        let count = Atomic<Int>(0)
    }

    /// - Parameters:
    ///   - rate: requests per second.
    ///   - count: requests in all (`rate` × the run's seconds).
    ///   - startNanoseconds: request 0's due time (monotonic), a little after now.
    ///   - overrides: `key=value` producer properties over the latency defaults.
    init(
        brokers: String,
        topic: String,
        rate: Double,
        count: Int,
        startNanoseconds: Int64,
        overrides: [String]
    ) throws {
        var configuration = KafkaConfiguration.producer(bootstrapServers: brokers)
        // As the demo's sender: each request at once up to 1,000/s; above, up to 1 ms to share a
        // produce request, or one request per message swamps the broker.
        configuration["linger.ms"] = rate > 1_000 ? "1" : "0"
        try configuration.apply(overrides: overrides)
        let failures = Failures()
        producer = try KafkaProducer(configuration: configuration) { report in
            if report.error != nil { failures.count.add(1, ordering: .relaxed) }
        }
        self.failures = failures
        self.topic = topic
        self.rate = rate
        self.count = count
        self.startNanoseconds = startNanoseconds
    }

    /// When request `index` is due (monotonic nanoseconds).
    func intendedNanoseconds(_ index: Int) -> Int64 {
        startNanoseconds + Int64((Double(index) * 1e9 / rate).rounded())
    }

    /// The monotonic clock in nanoseconds, as ``intendedNanoseconds(_:)`` counts.
    static func now() -> Int64 { MonotonicDeadline.now().nanoseconds }

    var deliveryFailures: Int { failures.count.load(ordering: .relaxed) }
    var maxLagMilliseconds: Double { Double(maxLag.load(ordering: .relaxed)) / 1e6 }
    var lateCount: Int { late.load(ordering: .relaxed) }

    /// Sends one unscheduled request (a warm-up probe: its key is not `d-`), and serves reports.
    func probe(key: String) {
        try? producer.send(topic: topic, key: Array(key.utf8), value: Array("{}".utf8), token: 0)
        producer.poll(timeoutMilliseconds: 0)
    }

    /// Waits (up to 5 s) for the probes' delivery reports, so none is left queued on close.
    func flushProbes() {
        try? producer.flush(timeoutMilliseconds: 5_000)
    }

    /// Sends every request on schedule, then flushes; runs on the sender thread.
    func run() {
        var generator = TrafficGenerator(seed: DrainRun.generatorSeed)
        var lag: Int64 = 0
        var lateCount = 0
        for index in 0..<count {
            let due = intendedNanoseconds(index)
            var now = Self.now()
            while due - now > 50_000 {
                // Sleep most of the wait, serving delivery reports between naps.
                sleepThread(for: .nanoseconds(min(due - now - 20_000, 2_000_000)))
                producer.poll(timeoutMilliseconds: 0)
                now = Self.now()
            }
            let key = DrainRun.key(index)
            let value = generator.next(id: key, timestampMilliseconds: DrainRun.timestamp(index)).value
            while true {
                do {
                    try producer.send(topic: topic, key: Array(key.utf8), value: value, token: UInt(index))
                    break
                } catch {
                    producer.poll(timeoutMilliseconds: 1)  // queue full: let it drain
                }
            }
            producer.poll(timeoutMilliseconds: 0)
            let behind = Self.now() - due
            lag = max(lag, behind)
            if behind > 1_000_000 { lateCount += 1 }
        }
        try? producer.flush(timeoutMilliseconds: 30_000)
        maxLag.store(lag, ordering: .relaxed)
        late.store(lateCount, ordering: .relaxed)
    }
}
