import Kafka

/// Turns a micro-batch of input records into exactly one output record each.
///
/// One instance per worker thread, so an implementation may keep scratch buffers and reuse them
/// across batches without locking.
public protocol BatchProcessor: AnyObject {
    /// Appends one ``OutputRecord`` per element of `batch` to `outputs`, carrying its ticket.
    func process(_ batch: [InputRecord], into outputs: inout [OutputRecord])
}

/// The zero-cost pipeline: answers every record with its own bytes. It measures the transport's
/// ceiling (consume, hand-off, produce, acknowledge, commit) with no parsing or scoring.
public final class EchoProcessor: BatchProcessor {
    public init() {}

    public func process(_ batch: [InputRecord], into outputs: inout [OutputRecord]) {
        for input in batch {
            outputs.append(
                OutputRecord(
                    destination: .prediction,
                    ticket: input.ticket,
                    key: input.message.key,
                    value: input.message.isTombstone ? nil : input.message.value,
                    receivedNanoseconds: input.receivedNanoseconds
                )
            )
        }
    }
}
