/// The queues under test.
enum QueueKind: String, CaseIterable {
    case ring = "spmc-ring"
    case mutexDeque = "mutex-deque"
    case condition = "cond-queue"

    func make(_ options: Options) -> any HandOffQueue {
        switch self {
        case .ring: RingQueue(capacity: 1024, waitPolicy: options.waitPolicy)
        case .mutexDeque: MutexDequeQueue(capacity: 1024)
        case .condition: ConditionQueue(capacity: 1024)
        }
    }
}
