import CoreMetrics
import Kafka
import Logging
import Platform
import RingBuffer
import Synchronization

/// The service's pipeline, assembled: K polling threads (one consumer each, one SPMC ring each)
/// → W pinned workers taking micro-batches → one MPSC result ring → the producer thread →
/// delivery reports → the offset tracker → the offset committer.
///
/// Lifecycle (``StateMachine``): ``init(configuration:logger:metricsFactory:makeProcessor:)``
/// creates the clients and threads' state, ``start()`` starts the threads, ``stop(timeoutSeconds:)``
/// drains everything in order and commits. Not restartable.
///
/// Metrics: the threads count in relaxed atomics; a metrics thread pushes them to swift-metrics
/// every second (``PipelineMetrics``), and ``flushMetrics()`` does it at once (a scrape).
public final class Pipeline: @unchecked Sendable {
    public let counters = PipelineCounters()
    /// Receipt of a request to the hand-off of its answer to librdkafka, in nanoseconds.
    public let latency = AtomicHistogram(upperBounds: ServiceMetricNames.latencyBounds)
    /// Records per micro-batch.
    public let batchSizes = AtomicHistogram(upperBounds: ServiceMetricNames.batchSizeBounds)
    /// Time per micro-batch in the processor (parse, features, scoring), in nanoseconds.
    public let scoringTimes = AtomicHistogram(upperBounds: ServiceMetricNames.batchSecondsBounds)
    let tracker = OffsetTracker()
    /// The micro-batch size workers take: `max-batch`, or what the latency budget chooses.
    let batchTarget: BatchTarget
    /// Bytes of records held between the consumers and the producer's queue.
    let budget: ByteBudget
    let configuration: ServiceConfiguration
    /// Worker count after resolving the configuration's default.
    let workerCount: Int

    private let logger: Logger
    private let parker = Parker()
    private let pollers: [ConsumerPoller]
    private let committer: OffsetCommitter
    private let producer: KafkaProducer
    private let results: MPSCRing<OutputRecord>
    private let workers: [Worker]
    private let resultProducer: any ResultDrain
    /// Why the pipeline cannot go on (a fenced transactional producer); the command stops on it.
    package let failure = PipelineFailure()
    private let cpus: CPUSet?
    private let machine = Mutex(StateMachine())
    private let consumerLag = ConsumerLagTable()
    /// Sizes micro-batches under `latency-budget-ms`; nil without a budget.
    private let budgetLoop: LatencyBudgetLoop?
    let metrics: PipelineMetrics
    let metricsThread = StoppableThread()

    /// Creates the consumers (which subscribe and start joining the group), the producer and one
    /// processor per worker.
    ///
    /// - Parameters:
    ///   - metricsFactory: Where the pipeline's metrics go: the process's bootstrapped backend by
    ///     default; a test or a second pipeline in one process passes its own.
    ///   - makeProcessor: Called once per worker index, on this thread.
    /// - Throws: ``ServiceError`` with code `.configuration` for bad settings or librdkafka
    ///   properties, `.startup` when a client or processor cannot be created.
    public init(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        makeProcessor: (Int) throws -> any BatchProcessor
    ) throws(ServiceError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        metrics = PipelineMetrics(factory: metricsFactory)
        let allowed = try? CPUSet.allowed()
        cpus = configuration.pinThreads ? allowed : nil
        workerCount = configuration.workerCount(allowed: allowed)

        let counters = self.counters
        let tracker = self.tracker
        let lag = consumerLag
        let ringCapacity = Self.powerOfTwo(atLeast: configuration.ringCapacity)
        let consumerConfiguration = try configuration.consumerConfiguration()
        let transactions = configuration.transactionSettings
        let commitRequests = TransactionCommitRequests()
        let committer = OffsetCommitter(
            tracker: tracker,
            counters: counters,
            logger: logger,
            transactions: transactions == nil ? nil : commitRequests,
            transactionWaitSeconds: configuration.revokeTimeoutSeconds
        )
        self.committer = committer
        // Large records get their own mappings, freed back to the kernel, so the resident size
        // follows the byte budget instead of the arenas' high-water marks (process-wide). Up to
        // 8 MiB of freed heap stays for reuse: a lower trim threshold made the heap grow and
        // shrink with every batch (drain: 105,000 against 177,000 req/s, bench/RESULTS.md).
        ProcessMemory.mapAllocations(ofAtLeast: 128 << 10, keepingFreeHeap: 8 << 20)
        let shares = configuration.inFlightByteShares
        let budget = ByteBudget(limit: shares.pipeline)
        self.budget = budget
        // The producer before the consumers: under exactly-once its first transaction call fences
        // the incarnation it replaces and aborts what that one left open, before the consumers
        // read the group's committed offsets.
        let producerConfiguration = try configuration.producerConfiguration()
        let refusals = RefusedDeliveries()
        producer = try Self.wrap("producer") { () throws(KafkaError) in
            try KafkaProducer(
                configuration: producerConfiguration,
                events: Self.events(logger: logger, statistics: nil),
                onDelivery: ResultProducer.deliveryHandler(
                    tracker: transactions == nil ? tracker : nil,
                    refusals: refusals,
                    counters: counters
                )
            )
        }
        if let transactions {
            try Self.initTransactions(producer, id: transactions.transactionalID, logger: logger)
        }
        let parker = self.parker
        var pollers: [ConsumerPoller] = []
        for index in 0..<configuration.consumers {
            let poller = try Self.wrap("consumer \(index)") { () throws(KafkaError) in
                try ConsumerPoller(
                    index: index,
                    ring: SPMCRing(capacity: ringCapacity, parker: parker),
                    consumerConfiguration: consumerConfiguration,
                    topics: [configuration.input],
                    events: Self.events(logger: logger) { statistics in lag.set(statistics, for: index) },
                    tracker: tracker,
                    committer: committer,
                    budget: budget,
                    counters: counters,
                    settings: ConsumerPoller.Settings(
                        maxInFlightPerPartition: configuration.maxInFlightPerPartition,
                        revokeTimeoutSeconds: configuration.revokeTimeoutSeconds,
                        exactlyOnce: transactions != nil
                    ),
                    logger: logger
                )
            }
            pollers.append(poller)
        }
        self.pollers = pollers

        // One ring for all workers rather than one per worker: the whole-pipeline drain measured
        // no difference beyond its run-to-run noise, and one ring keeps the producer's drain to a
        // single blocking take (docs/RINGBUFFER.md, "Result path").
        results = MPSCRing(capacity: ringCapacity)
        // What the micro-batch size changes: receipt to hand-off. Under exactly-once `latency` runs
        // to the transaction's commit, which the batch size hardly moves, so the budget loop
        // reads a histogram of its own.
        let handOffLatency =
            transactions == nil ? latency : AtomicHistogram(upperBounds: ServiceMetricNames.latencyBounds)
        let fitter = AnswerFitter(maxMessageBytes: producerConfiguration.maxMessageBytes)
        let topics = ResultProducer.Destinations(
            output: configuration.output,
            deadLetter: configuration.deadLetter,
            shadow: configuration.shadowOutput
        )
        let path = ResultPath(
            results: results,
            producer: producer,
            committer: committer,
            tracker: tracker,
            refusals: refusals,
            fitter: fitter,
            budget: budget,
            counters: counters,
            latency: latency
        )
        if let transactions {
            resultProducer = TransactionalResultProducer(
                path,
                handOffLatency: handOffLatency,
                requests: commitRequests,
                failure: failure,
                topics: topics,
                settings: transactions,
                logger: logger
            )
        } else {
            resultProducer = ResultProducer(path, topics: topics, logger: logger)
        }
        let batchTarget = BatchTarget(maximum: configuration.maxBatch, initial: configuration.maxBatch)
        self.batchTarget = batchTarget
        // The backlog is the rings' depth, not consumer lag: librdkafka's lag is measured from the
        // committed offset, which moves once a commit interval and reports every statistics
        // interval (5 s), so it would read as growing in steps at a steady rate. A backlog beyond
        // the rings shows as back-pressure pauses instead.
        budgetLoop = Self.budgetLoop(
            configuration: configuration,
            target: batchTarget,
            histograms: (handOffLatency, batchSizes)
        ) {
            [pollers] in
            pollers.reduce(0) { $0 + $1.ring.count }
        } pauses: { [counters] in
            counters.backPressurePauses.load(ordering: .relaxed)
        }
        var workers: [Worker] = []
        for index in 0..<workerCount {
            let processor: any BatchProcessor
            do {
                processor = try makeProcessor(index)
            } catch {
                throw .startup("worker \(index): \(error)")
            }
            workers.append(
                Worker(
                    index: index,
                    rings: pollers.map(\.ring),
                    parker: parker,
                    results: results,
                    budget: budget,
                    processor: processor,
                    target: batchTarget,
                    batchSizes: batchSizes,
                    scoringTimes: scoringTimes
                )
            )
        }
        self.workers = workers
    }

    /// Starts the producer thread, the workers (pinned round-robin over the allowed CPUs unless
    /// pinning is off) and the polling threads.
    public func start() throws(ServiceError) {
        try machine.withLock { (machine: inout StateMachine) throws(ServiceError) in
            switch machine.start() {
            case .refuse(let reason):
                throw .startup(reason)
            case .startThreads:
                var threads = StateMachine.Threads()
                let resultProducer = self.resultProducer
                threads.producer = try Self.spawn("producer") { resultProducer.run() }
                for worker in workers {
                    let cpu = cpus.map { $0.cpu(forThread: worker.index) }
                    threads.workers.append(try Self.spawn("worker-\(worker.index)", cpu: cpu) { worker.run() })
                }
                try budgetLoop?.start()
                for poller in pollers {
                    threads.pollers.append(try Self.spawn("poller-\(poller.index)") { poller.run() })
                }
                try startMetricsThread()
                machine.started(threads)
            }
        }
        logger.info(
            "pipeline started",
            metadata: [
                "consumers": "\(pollers.count)", "workers": "\(workers.count)",
                "pinned": "\(cpus?.description ?? "no")", "input": "\(configuration.input)",
                "output": "\(configuration.output)", "dead-letter": "\(configuration.deadLetter)",
            ]
        )
    }

    /// Stops in order: pollers stop taking records; workers drain the rings; the producer thread
    /// sends and waits for every acknowledgement; offsets are stored and committed; consumers
    /// leave the group. Returns false when `timeoutSeconds` passed first (outputs may then be
    /// produced again after a restart; nothing unacknowledged is committed either way).
    @discardableResult
    public func stop(timeoutSeconds: Double) -> Bool {
        let deadline = MonotonicDeadline.after(.milliseconds(Int64(timeoutSeconds * 1_000)))
        guard case .drain(let running) = machine.withLock({ $0.stop() }) else { return true }
        for poller in pollers { poller.request(.drain) }
        while !pollers.allSatisfy(\.isDrained) && !deadline.hasPassed { sleepThread(for: .milliseconds(1)) }
        for poller in pollers { poller.ring.close() }
        // A worker waiting for a schema registry that is down gives up at half the time left, so
        // the producer still has the rest to deliver what was answered.
        let remaining = max(0, deadline.nanoseconds - MonotonicDeadline.now().nanoseconds)
        let waitLimit = MonotonicDeadline.after(.nanoseconds(remaining / 2))
        for worker in workers { worker.processor.limitWaits(until: waitLimit) }
        for thread in running.workers { thread.join() }
        budgetLoop?.stop()
        results.close()
        let watchdog = try? Self.spawn("stop-watchdog") { [resultProducer] in
            while !deadline.hasPassed && !resultProducer.isFinished { sleepThread(for: .milliseconds(10)) }
            resultProducer.abandonOutstanding()
        }
        running.producer?.join()
        watchdog?.join()
        let inTime = !deadline.hasPassed
        committer.commitAll(before: deadline)
        // Each poller closes its own consumer on its own thread, so a rebalance that one member's
        // leaving starts is served by the members still open.
        for poller in pollers { poller.request(.close) }
        for thread in running.pollers { thread.join() }
        // Last, so the backend gets the final counts (every acknowledgement, every commit).
        metricsThread.stop()
        flushMetrics()
        logger.info("pipeline stopped", metadata: ["in-time": "\(inTime)"])
        return inTime
    }

    /// Records registered but not yet acknowledged, plus what waits in the rings.
    package var inFlight: Int { tracker.totalInFlight }

    /// Bytes of records held between the consumers and the producer's queue.
    package var heldBytes: Int { budget.current }

    /// Partitions paused because their unacknowledged records reached
    /// `max-in-flight-per-partition`: an answer is stuck somewhere.
    package var partitionsPausedByInFlightLimit: [TopicPartition] {
        pollers.flatMap(\.partitionsPausedByInFlightLimit).sorted {
            ($0.topic, $0.partition) < ($1.topic, $1.partition)
        }
    }

    /// Total consumer lag over this process's consumers, from librdkafka's statistics (needs
    /// `statistics.interval.ms`); nil before the first report.
    var consumerLagTotal: Int64? {
        consumerLag.total
    }

    /// Each assigned partition's lag, committed offset and high watermark from the consumers'
    /// latest statistics (empty before the first report).
    var partitionStatistics: [KafkaStatistics.Partition] { consumerLag.assignedPartitions }

    /// Brokers up as the consumers' latest statistics saw them; nil before the first report.
    var brokersUp: Int? { consumerLag.brokersUp }

    /// Rebalance callbacks served by this process's consumers.
    var rebalances: Int { pollers.reduce(0) { $0 + $1.consumer.rebalanceCount } }

    /// The micro-batch size workers take now: `max-batch` without a latency budget.
    package var batchTargetSize: Int { batchTarget.current }

    /// Current input ring depth over all consumers (best effort).
    var ringDepth: Int { pollers.reduce(0) { $0 + $1.ring.count } }

    /// The partitions assigned to this process's consumers.
    package func assignment() -> [TopicPartition] {
        pollers.flatMap { (try? $0.consumer.assignment()) ?? [] }
    }

    /// The batch-size loop for `latency-budget-ms`, if set.
    private static func budgetLoop(
        configuration: ServiceConfiguration,
        target: BatchTarget,
        histograms: (latency: AtomicHistogram, batchSizes: AtomicHistogram),
        backlog: @escaping @Sendable () -> Int,
        pauses: @escaping @Sendable () -> Int
    ) -> LatencyBudgetLoop? {
        guard let milliseconds = configuration.latencyBudgetMilliseconds else { return nil }
        let parameters = BatchSizeController.Parameters(
            budgetNanoseconds: max(1, Int64((milliseconds * 1e6).rounded())),
            maximum: configuration.maxBatch
        )
        return LatencyBudgetLoop(
            parameters: parameters,
            target: target,
            inputs: .init(
                latency: histograms.latency,
                backlog: backlog,
                batchSizes: histograms.batchSizes,
                pauses: pauses
            )
        )
    }

    private static func spawn(
        _ name: String,
        cpu: Int? = nil,
        _ body: @escaping @Sendable () -> Void
    )
        throws(ServiceError) -> PinnedThread
    {
        do {
            return try PinnedThread(name: name, cpu: cpu, body: body)
        } catch {
            throw .startup("cannot start thread \(name): \(error)")
        }
    }

    /// Registers the transactional id, retrying passing failures for up to a minute: a broker
    /// that has just started may not have elected its transaction coordinator yet.
    private static func initTransactions(_ producer: KafkaProducer, id: String, logger: Logger) throws(ServiceError) {
        let deadline = MonotonicDeadline.after(.seconds(60))
        while true {
            do {
                try producer.initTransactions(timeoutMilliseconds: 10_000)
                logger.info("exactly-once: transactional id '\(id.escapedForLog)' registered")
                return
            } catch  where (error.code == .retriable || error.code == .timedOut) && !deadline.hasPassed {
                logger.info("exactly-once: registering transactional id '\(id.escapedForLog)': \(error); retrying")
            } catch  where error.code == .unsupportedByBroker || error.code == .configuration {
                throw .configuration("--guarantee exactly-once: \(error)")
            } catch {
                throw .startup("exactly-once: cannot register transactional id '\(id)': \(error)")
            }
        }
    }

    private static func wrap<T>(_ what: String, _ body: () throws(KafkaError) -> T) throws(ServiceError) -> T {
        do {
            return try body()
        } catch  where error.code == .configuration {
            throw .configuration("\(what): \(error.reason)")
        } catch {
            throw .startup("\(what): \(error)")
        }
    }

    private static func events(
        logger: Logger,
        statistics: (@Sendable (KafkaStatistics) -> Void)?
    ) -> KafkaEventHandlers {
        KafkaEventHandlers(
            log: { entry in
                let level: Logger.Level = entry.level <= 3 ? .error : entry.level == 4 ? .warning : .debug
                logger.log(level: level, "librdkafka \(entry.facility.escapedForLog): \(entry.message.escapedForLog)")
            },
            error: { error, fatal in
                logger.log(level: fatal ? .critical : .warning, "kafka: \(error.reason.escapedForLog)")
            },
            statistics: statistics
        )
    }

    private static func powerOfTwo(atLeast value: Int) -> Int {
        var capacity = 2
        while capacity < value { capacity <<= 1 }
        return capacity
    }
}

/// Each consumer's latest statistics report (lag per partition, brokers up).
final class ConsumerLagTable: Sendable {
    private let latest = Mutex<[Int: KafkaStatistics]>([:])

    func set(_ statistics: KafkaStatistics, for consumer: Int) {
        latest.withLock { $0[consumer] = statistics }
    }

    var total: Int64? {
        latest.withLock { $0.isEmpty ? nil : $0.values.reduce(0) { $0 + $1.totalConsumerLag } }
    }

    /// Partitions with a known lag (librdkafka reports -1 for partitions it does not consume).
    var assignedPartitions: [KafkaStatistics.Partition] {
        latest.withLock { $0.values.flatMap { $0.partitions.filter { $0.consumerLag >= 0 } } }
    }

    var brokersUp: Int? {
        latest.withLock { $0.isEmpty ? nil : $0.values.map(\.brokersUp).max() }
    }
}
