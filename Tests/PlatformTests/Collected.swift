import Synchronization

/// A result slot a thread fills before it ends and the test reads after `join()`.
final class Collected<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ initial: Value) {
        storage = Mutex(initial)
    }

    func set(_ value: sending Value) {
        storage.withLock { $0 = value }
    }

    var value: Value { storage.withLock { $0 } }
}
