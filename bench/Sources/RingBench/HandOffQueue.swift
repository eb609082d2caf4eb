/// What the harness needs from each queue under test: one producer, several consumers.
protocol HandOffQueue: AnyObject, Sendable {
    /// Pushes, waiting (however the queue waits) while full.
    func push(_ message: BenchMessage)
    /// Takes up to `max` messages, waiting for the first; 0 once closed and drained.
    func takeBatch(max: Int, _ body: (BenchMessage) -> Void) -> Int
    /// No more pushes; wake and drain the consumers.
    func close()
}
