/// What the service promises about answers when it or its broker fails.
///
/// - `atLeastOnce`: every input gets an answer; after a crash, answers produced but not yet
///   committed are produced again (duplicates, never losses). Offsets are committed by
///   librdkafka's timer from watermarks of acknowledged answers.
/// - `exactlyOnce`: answers and the offsets of the inputs they answer are committed together in
///   Kafka transactions, so a `read_committed` consumer of the outputs sees every input answered
///   exactly once, whatever crashes (docs/OPERATIONS.md, "Exactly-once").
public enum DeliveryGuarantee: String, Sendable, Equatable, CaseIterable {
    case atLeastOnce = "at-least-once"
    case exactlyOnce = "exactly-once"
}

/// How an exactly-once pipeline cuts its transactions.
public struct TransactionSettings: Sendable, Equatable {
    /// The producer's `transactional.id`: one per process, stable across its restarts, so that a
    /// restart fences the incarnation it replaces (and aborts what that one left open).
    public var transactionalID: String
    /// A transaction commits at the latest this long after its first record.
    public var intervalMilliseconds: Int
    /// ... or once it holds this many records, whichever comes first.
    public var maxRecords: Int

    public init(transactionalID: String, intervalMilliseconds: Int = 100, maxRecords: Int = 10_000) {
        self.transactionalID = transactionalID
        self.intervalMilliseconds = intervalMilliseconds
        self.maxRecords = maxRecords
    }
}
