import Kafka
import Platform

extension ConsumerPoller {
    /// The polling thread's lifecycle, as values: the loop reports what happened and asks
    /// ``nextAction(requested:now:inFlight:)`` what to do, so every transition is in this one type
    /// (the shape of swift-kafka-client's `KafkaConsumer.StateMachine`).
    ///
    ///     running ──drain requested──▶ draining ──close requested──▶ closing
    ///        └────────────────────close requested─────────────────────┘
    ///
    /// Beside the lifecycle it holds the deferred revocation: partitions the group takes away,
    /// kept until their in-flight records are acknowledged or the revocation's deadline
    /// passes, so the thread never waits inside a librdkafka callback.
    struct StateMachine {
        enum Lifecycle: Equatable {
            case running
            case draining
            case closing
        }

        /// What the pipeline asked for, in order of strength.
        enum Request: Int, Comparable {
            case run = 0
            case drain = 1
            case close = 2

            static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
        }

        struct Revocation: Equatable {
            var partitions: [TopicPartition]
            var deadline: MonotonicDeadline
        }

        enum Action: Equatable {
            /// Move pending records into the ring and poll for more.
            case consume
            /// Serve callbacks only: the partitions are paused and nothing new is taken.
            case serveCallbacks
            /// Stop taking records: pause everything, withdraw what is pending, report drained.
            case enterDrain
            /// Commit the revoked partitions' watermark and give them up; `unacknowledged` records
            /// had not been acknowledged when the deadline passed (they may be produced twice).
            case finishRevocation(Revocation, unacknowledged: Int)
            /// Close the consumer (leaving the group) and return from the loop.
            case close
        }

        private(set) var lifecycle: Lifecycle = .running
        private(set) var revocation: Revocation?

        /// The group revoked `partitions` and the consumer keeps them until they are released
        /// (with any revocation still pending, under the earlier deadline).
        mutating func revocationDeferred(_ partitions: [TopicPartition], deadline: MonotonicDeadline) {
            if let pending = revocation {
                revocation = Revocation(partitions: pending.partitions + partitions, deadline: pending.deadline)
            } else {
                revocation = Revocation(partitions: partitions, deadline: deadline)
            }
        }

        /// Whether `partition` is being revoked: its records are not taken any more.
        func isRevoking(_ partition: TopicPartition) -> Bool {
            revocation?.partitions.contains(partition) ?? false
        }

        /// The next step, given the pipeline's request, the time, and the revoked partitions'
        /// unacknowledged record count.
        mutating func nextAction(
            requested: Request,
            now: MonotonicDeadline,
            inFlight: ([TopicPartition]) -> Int
        ) -> Action {
            if let pending = revocation {
                let left = inFlight(pending.partitions)
                if left == 0 || now >= pending.deadline || requested == .close {
                    revocation = nil
                    return .finishRevocation(pending, unacknowledged: left)
                }
            }
            switch (lifecycle, requested) {
            case (.closing, _), (_, .close):
                lifecycle = .closing
                return .close
            case (.running, .drain):
                lifecycle = .draining
                return .enterDrain
            case (.draining, _):
                return .serveCallbacks
            case (.running, _):
                return .consume
            }
        }
    }
}
