import Kafka
import Platform

/// Turns a micro-batch of input records into exactly one output record each.
///
/// One instance per worker thread, so an implementation may keep scratch buffers and reuse them
/// across batches without locking.
public protocol BatchProcessor: AnyObject {
    /// Appends one ``OutputRecord`` per element of `batch` to `outputs`, carrying its ticket.
    func process(_ batch: [InputRecord], into outputs: inout [OutputRecord])

    /// Called once when the pipeline stops: a record waiting for a service outside the pipeline
    /// (a schema registry that is down) waits no later than `deadline`, then is answered
    /// ``OutputRecord/Destination/unanswered``. Called from the stopping thread while workers run.
    func limitWaits(until deadline: MonotonicDeadline)
}

extension BatchProcessor {
    /// Processors that never wait for anything outside the pipeline have nothing to limit.
    public func limitWaits(until deadline: MonotonicDeadline) {}
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
