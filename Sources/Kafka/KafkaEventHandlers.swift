import Platform

/// Observers for a client's background events. Each may run on librdkafka's threads (logs) or on
/// the thread that polls the client (errors, statistics), so each must be thread-safe.
public struct KafkaEventHandlers: Sendable {
    /// librdkafka's log lines; the default writes warnings and errors to standard error.
    public var log: (@Sendable (KafkaLogEntry) -> Void)?
    /// Client-level errors (broker down, authentication, fatal idempotence errors). Most are
    /// transient: librdkafka retries on its own.
    public var error: (@Sendable (KafkaError, _ fatal: Bool) -> Void)?
    /// Parsed `statistics.interval.ms` reports; only delivered when that property is set.
    public var statistics: (@Sendable (KafkaStatistics) -> Void)?

    public init(
        log: (@Sendable (KafkaLogEntry) -> Void)? = KafkaEventHandlers.standardErrorLog,
        error: (@Sendable (KafkaError, _ fatal: Bool) -> Void)? = nil,
        statistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) {
        self.log = log
        self.error = error
        self.statistics = statistics
    }

    /// Writes warnings and errors (syslog level 4 and below) to standard error.
    public static let standardErrorLog: @Sendable (KafkaLogEntry) -> Void = { entry in
        guard entry.level <= 4 else { return }
        writeToStandardError(
            "librdkafka[\(entry.level)] \(entry.facility.escapedForLog): \(entry.message.escapedForLog)\n"
        )
    }
}
