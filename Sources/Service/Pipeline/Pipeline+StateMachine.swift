import Platform

extension Pipeline {
    /// The pipeline's lifecycle, as values: ``start()`` and ``stop(timeoutSeconds:)`` ask it what
    /// to do, so a second start is refused and a second stop (or a stop before start) does nothing.
    ///
    ///     created ──start──▶ running ──stop──▶ stopped
    ///        └───────────────stop──────────────┘
    struct StateMachine {
        /// The threads a running pipeline owns, joined by the one stop that drains them.
        struct Threads {
            var pollers: [PinnedThread] = []
            var workers: [PinnedThread] = []
            var producer: PinnedThread?
        }

        enum State {
            case created
            case running(Threads)
            case stopped
        }

        enum StartAction {
            case startThreads
            case refuse(String)
        }

        enum StopAction {
            /// Stop in order and join these threads.
            case drain(Threads)
            /// Nothing runs: never started, or already stopped.
            case none
        }

        private(set) var state: State = .created

        mutating func start() -> StartAction {
            switch state {
            case .created: .startThreads
            case .running: .refuse("the pipeline is already running")
            case .stopped: .refuse("a stopped pipeline cannot be restarted")
            }
        }

        /// The threads started; `threads` is what a stop will join.
        mutating func started(_ threads: Threads) {
            state = .running(threads)
        }

        mutating func stop() -> StopAction {
            switch state {
            case .created:
                state = .stopped
                return .none
            case .running(let threads):
                state = .stopped
                return .drain(threads)
            case .stopped:
                return .none
            }
        }
    }
}
