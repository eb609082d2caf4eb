/// One hand-off configuration.
struct Config: Hashable {
    var queue: QueueKind
    var consumers: Int
    var batch: Int
}
