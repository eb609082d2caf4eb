import Foundation
import Kafka
import Platform
import Synchronization

/// Unique names so that tests sharing a process never share topics or groups.
public enum Unique {
    private static let counter = Atomic<Int>(0)
    public static func name(_ prefix: String) -> String {
        "\(prefix)-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
    }
}

/// Test configurations: short session timeouts so that group joins take seconds.
public enum TestConfig {
    public static func consumer(_ broker: EmbeddedBroker, group: String) -> KafkaConfiguration {
        var config = KafkaConfiguration.consumer(bootstrapServers: broker.bootstrapServers, groupID: group)
        config["session.timeout.ms"] = "6000"
        config["heartbeat.interval.ms"] = "500"
        config["enable.auto.commit"] = "false"
        return config
    }

    public static func producer(_ broker: EmbeddedBroker) -> KafkaConfiguration {
        KafkaConfiguration.producer(bootstrapServers: broker.bootstrapServers)
    }
}

/// Collects delivery reports by token.
public final class DeliveryLog: Sendable {
    private let reports = Mutex<[UInt: DeliveryReport]>([:])

    public init() {}

    public func record(_ report: DeliveryReport) {
        reports.withLock { $0[report.token] = report }
    }

    public var all: [UInt: DeliveryReport] { reports.withLock { $0 } }
}

/// Produces `count` messages `value-i` with key `key-i` (i from `start`) and waits for their reports.
@discardableResult
public func produce(
    _ count: Int,
    to topic: String,
    on broker: EmbeddedBroker,
    start: Int = 0,
    headers: [KafkaHeader] = []
) throws -> [UInt: DeliveryReport] {
    let log = DeliveryLog()
    let producer = try KafkaProducer(configuration: TestConfig.producer(broker)) { log.record($0) }
    for index in start..<(start + count) {
        try producer.send(
            topic: topic,
            key: Array("key-\(index)".utf8),
            value: Array("value-\(index)".utf8),
            headers: headers,
            token: UInt(index)
        )
    }
    try producer.flush(timeoutMilliseconds: 10_000)
    return log.all
}

/// Polls `consumer` until `predicate` holds for what has arrived, or `seconds` pass.
public func poll(
    _ consumer: KafkaConsumer,
    seconds: Double,
    until predicate: ([KafkaMessage]) -> Bool
) -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = MonotonicDeadline.after(.milliseconds(Int64(seconds * 1_000)))
    while !deadline.hasPassed && !predicate(messages) {
        consumer.poll(into: &messages, maxMessages: 500, timeoutMilliseconds: 100)
    }
    return messages
}

/// A consumer polled on its own thread until stopped, as the service's polling threads do.
public final class PollingLoop: Sendable {
    public let consumer: KafkaConsumer
    private let received = Mutex<[KafkaMessage]>([])
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    public init(_ consumer: KafkaConsumer) {
        self.consumer = consumer
        // Never joined: `stop()` waits for `finished`, and the thread is detached when released.
        _ = try? PinnedThread(name: "polling-loop", cpu: nil) { [self] in
            var batch: [KafkaMessage] = []
            while !stopped.load(ordering: .acquiring) {
                batch.removeAll(keepingCapacity: true)
                consumer.poll(into: &batch, maxMessages: 500, timeoutMilliseconds: 50)
                if !batch.isEmpty { received.withLock { $0.append(contentsOf: batch) } }
            }
            try? consumer.close()
            finished.store(true, ordering: .releasing)
        }
    }

    public var messages: [KafkaMessage] { received.withLock { $0 } }

    /// Stops polling and closes the consumer (leaving the group), waiting up to 10 s.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        let deadline = MonotonicDeadline.after(.seconds(10))
        while !finished.load(ordering: .acquiring) && !deadline.hasPassed { sleepThread(for: .milliseconds(10)) }
    }
}

/// Waits until `condition` holds, checking every 50 ms for up to `seconds`; returns whether it held.
public func eventually(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicDeadline.after(.milliseconds(Int64(seconds * 1_000)))
    while !deadline.hasPassed {
        if try condition() { return true }
        sleepThread(for: .milliseconds(50))
    }
    return try condition()
}
