/// Counts live ``Tracked`` instances.
final class LifetimeTracker: @unchecked Sendable {
    // @unchecked: used from one thread at a time in these tests.
    var live = 0
}

/// An element whose lifetime is observable, to check moves and destruction.
final class Tracked: Sendable {
    let tracker: LifetimeTracker

    init(_ tracker: LifetimeTracker) {
        self.tracker = tracker
        tracker.live += 1
    }

    deinit {
        tracker.live -= 1
    }
}
