import Kafka
import Logging
import Platform

/// Waits until a broker at `configuration.brokers` answers a metadata request, logging each failed
/// attempt, so a service started before its broker comes up waits instead of failing.
///
/// - Parameter seconds: how long to keep trying; 0 tries forever.
/// - Throws: ``ServiceError`` with code `.startup` when no broker answered in time.
public func waitForBroker(_ configuration: ServiceConfiguration, seconds: Double, logger: Logger) throws(ServiceError) {
    let probe: KafkaProducer
    // The producer's servers: they are the consumers' unless a producer property overrides them.
    var servers = configuration.brokers
    do {
        var kafka = try configuration.producerConfiguration()
        servers = kafka["bootstrap.servers"] ?? servers
        kafka["log_level"] = "0"
        probe = try KafkaProducer(configuration: kafka, events: KafkaEventHandlers(log: nil)) { _ in }
    } catch {
        throw .configuration("producer: \(error)")
    }
    let deadline = seconds > 0 ? MonotonicDeadline.after(.milliseconds(Int64(seconds * 1_000))) : nil
    var attempt = 0
    while true {
        attempt += 1
        do {
            try probe.checkConnectivity(timeoutMilliseconds: 2_000)
            if attempt > 1 { logger.info("broker \(servers) answered after \(attempt) attempts") }
            return
        } catch {
            if let deadline, deadline.hasPassed {
                throw .startup("no broker at \(servers) answered within \(seconds) s: \(error.reason)")
            }
            logger.warning("waiting for broker \(servers) (attempt \(attempt)): \(error.reason.escapedForLog)")
            sleepThread(for: .seconds(1))
        }
    }
}
