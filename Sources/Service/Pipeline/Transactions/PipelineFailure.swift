import Synchronization

/// The reason a pipeline cannot go on (a fenced transactional producer), reported once by the
/// thread that found it, read by whoever stops the process.
///
/// Memory ordering: the reason and the handler live under one `Mutex`; the handler is called
/// outside it, once, with the first reason.
package final class PipelineFailure: Sendable {
    private struct State {
        var reason: String?
        var handler: (@Sendable (String) -> Void)?
    }

    private let state = Mutex(State())

    package init() {}

    /// The first reported reason, if any.
    package var reason: String? { state.withLock { $0.reason } }

    /// Calls `handler` with the first reason (at once if one was already reported).
    package func onFailure(_ handler: @escaping @Sendable (String) -> Void) {
        let reason: String? = state.withLock { state in
            state.handler = handler
            return state.reason
        }
        if let reason { handler(reason) }
    }

    /// Records `reason` if it is the first and tells the handler.
    package func report(_ reason: String) {
        let handler: (@Sendable (String) -> Void)? = state.withLock { state in
            guard state.reason == nil else { return nil }
            state.reason = reason
            return state.handler
        }
        handler?(reason)
    }
}
