import Service

extension DemoRunner {
    /// One step of an offered-rate schedule (``Options/rateSteps``).
    public struct RateStep: Sendable, Equatable {
        /// Requests per second; 0 sends as fast as the producer accepts.
        public var rate: Double
        public var seconds: Double

        public init(rate: Double, seconds: Double) {
            self.rate = rate
            self.seconds = seconds
        }
    }

    /// One second of a run, for a harness's time series (``Options/intervalSink``).
    public struct Interval: Sendable, Equatable {
        /// Seconds since sending started, at the end of this interval.
        public var second: Int
        /// Requests sent and answered in this second.
        public var sent: Int
        public var answered: Int
        /// The micro-batch size the workers took at the end of the second (`max-batch`, or the
        /// latency budget's choice).
        public var batchTargetSize: Int
        /// The service's p99 of receipt to hand-off in this second, in nanoseconds (what
        /// `latency-budget-ms` governs); nil when nothing was handed off.
        public var serviceP99Nanoseconds: Int64?
        /// The p99 from the intended send time to the answer's arrival, in nanoseconds (the
        /// transport included); nil in the warm-up or without answers.
        public var endToEndP99Nanoseconds: Int64?
    }
}

extension DemoRunner.Options {
    /// The steps the sender runs: ``rateSteps``, or ``rate`` for ``seconds``.
    var schedule: [DemoRunner.RateStep] {
        rateSteps.isEmpty ? [.init(rate: rate, seconds: seconds)] : rateSteps
    }
}

/// Where each request of a ``DemoRunner/Options/schedule`` is due. Request `i` of a step at rate
/// `r` is due `i / r` after the step's start; a step ends once its `r × seconds` requests are sent
/// or its time is up, whichever is first (open loop: a sender that falls behind keeps the due
/// times, so latency includes the delay, and what it could not send in time was never offered).
/// A flat-out step (rate 0) sends each request when it can, until its time is up.
struct SendSchedule {
    private let steps: [DemoRunner.RateStep]
    private let start: Int64
    private var step = 0
    private var stepStart: Int64
    private var sentInStep = 0

    init(steps: [DemoRunner.RateStep], startNanoseconds: Int64) {
        self.steps = steps
        start = startNanoseconds
        stepStart = startNanoseconds
    }

    /// When the next request is due (monotonic nanoseconds), or nil once every step is done.
    mutating func nextDue(now: Int64) -> Int64? {
        while step < steps.count {
            let current = steps[step]
            let length = Int64(current.seconds * 1e9)
            if now < stepStart + length {
                guard current.rate > 0 else { return now }
                if Double(sentInStep) < current.rate * current.seconds {
                    return stepStart + Int64(Double(sentInStep) * 1e9 / current.rate)
                }
            }
            step += 1
            stepStart += length
            sentInStep = 0
        }
        return nil
    }

    /// Counts the request just sent against the current step.
    mutating func sent() { sentInStep += 1 }
}
