import Kafka
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Waits until a broker at `configuration.brokers` answers a metadata request, logging each failed
/// attempt, so a service started before its broker comes up waits instead of failing.
///
/// - Parameter seconds: how long to keep trying; 0 tries forever.
/// - Throws: ``ServiceError`` with code `.startup` when no broker answered in time.
public func waitForBroker(_ configuration: ServiceConfiguration, seconds: Double, logger: Logger) throws(ServiceError) {
    let probe: KafkaProducer
    do {
        var kafka = try configuration.producerConfiguration()
        kafka["log_level"] = "0"
        probe = try KafkaProducer(configuration: kafka, events: KafkaEventHandlers(log: nil)) { _ in }
    } catch {
        throw .configuration("producer: \(error)")
    }
    let started = Duration.now
    var attempt = 0
    while true {
        attempt += 1
        do {
            try probe.checkConnectivity(timeoutMilliseconds: 2_000)
            if attempt > 1 { logger.info("broker \(configuration.brokers) answered after \(attempt) attempts") }
            return
        } catch {
            let waited = Duration.now - started
            if seconds > 0 && waited >= .milliseconds(Int64(seconds * 1_000)) {
                throw .startup("no broker at \(configuration.brokers) answered within \(seconds) s: \(error.reason)")
            }
            logger.warning("waiting for broker \(configuration.brokers) (attempt \(attempt)): \(error.reason)")
            usleep(1_000_000)
        }
    }
}

extension Duration {
    /// Monotonic time since an arbitrary origin.
    package static var now: Duration {
        var time = timespec()
        unsafe clock_gettime(CLOCK_MONOTONIC, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
