import CoreMetrics
import Inference
import Logging
import Platform
import Synchronization

/// The model the workers score with. A reload publishes a whole, validated model; each worker
/// notices the new generation at the start of its next micro-batch and switches there, so no
/// batch is scored by two models and none by a half-loaded one.
///
/// Memory ordering: the model is stored under the mutex; `published` only tells workers that
/// something changed (release on publish, acquire on check), and they then read the model under
/// the same mutex, so a worker always sees a complete model.
public final class ModelSwitch: Sendable {
    private let state: Mutex<(generation: Int, model: SVMModel)>
    private let published = Atomic<Int>(0)
    private let info: ModelInfoGauge

    /// Starts with `model`, reported as `anomaly_model_info` through `metricsFactory`.
    public init(_ model: SVMModel, metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        state = Mutex((0, model))
        info = ModelInfoGauge(factory: metricsFactory)
        info.show(model)
    }

    /// The latest model and its generation (0 for the one loaded at start).
    var current: (generation: Int, model: SVMModel) { state.withLock { $0 } }

    /// The latest generation: a cheap check for workers.
    var generation: Int { published.load(ordering: .acquiring) }

    func publish(_ model: SVMModel) {
        let generation = state.withLock { state in
            state.generation += 1
            state.model = model
            // Under the same lock, so publishers racing each other leave the info on the last model.
            info.show(model)
            return state.generation
        }
        published.store(generation, ordering: .releasing)
    }
}

/// One worker's processor that follows a ``ModelSwitch``: an ``InferenceProcessor`` for the
/// current model, rebuilt between micro-batches when a new model is published.
final class ReloadingProcessor: BatchProcessor {
    private let models: ModelSwitch
    private let maxBatch: Int
    private let options: ProcessorOptions
    private var generation: Int
    private var processor: InferenceProcessor

    init(models: ModelSwitch, maxBatch: Int, options: ProcessorOptions) throws(InferenceError) {
        self.models = models
        self.maxBatch = maxBatch
        self.options = options
        let (generation, model) = models.current
        self.generation = generation
        processor = try InferenceProcessor(model: model, maxBatch: maxBatch, options: options)
    }

    func process(_ batch: [InputRecord], into outputs: inout [OutputRecord]) {
        if models.generation != generation {
            let (latest, model) = models.current
            // Published models were validated by building a processor first, so this succeeds.
            if let next = try? InferenceProcessor(model: model, maxBatch: maxBatch, options: options) {
                processor = next
            }
            generation = latest
        }
        processor.process(batch, into: &outputs)
    }

    func limitWaits(until deadline: MonotonicDeadline) {
        // Every processor of a pipeline shares the options' catalog: any one of them limits it.
        processor.limitWaits(until: deadline)
    }
}

/// Processors for `serve`: one ``ReloadingProcessor`` per worker on a shared ``ModelSwitch``.
public func makeReloadingProcessors(
    models: ModelSwitch,
    maxBatch: Int,
    options: ProcessorOptions = ProcessorOptions()
) -> (Int) throws -> any BatchProcessor {
    BLAS.useSingleThread()
    return { _ in try ReloadingProcessor(models: models, maxBatch: maxBatch, options: options) }
}

/// Reloads the model file on request (SIGHUP) or when the file changes (its size, modification
/// time or inode, checked every `model-poll-seconds`; 0 checks only on request). The new file is
/// loaded and validated on this thread, off the hot path, with the checks of a start
/// (``ServiceConfiguration/loadModel(expecting:)``): it must be a model this build can score
/// (format, checksum, feature configuration, dimension) within `max-model-memory`. A file that
/// fails is refused with an error in the log and the old model stays; a later change or request
/// tries again.
public final class ModelReloader: Sendable {
    let path: String
    /// The settings the model was loaded with at start: path, poll interval and memory bound.
    private let configuration: ServiceConfiguration
    private let models: ModelSwitch
    private let logger: Logger
    private let pollSeconds: Double
    private let requested = Atomic<Bool>(false)
    /// Models loaded since start, and files refused: reported as they happen (a few a day).
    private let reloads: Counter
    private let failures: Counter
    private let thread = StoppableThread()

    /// Starts the reload thread for `configuration`'s model file; reloads and refusals are counted
    /// through `metricsFactory`.
    public init(
        configuration: ServiceConfiguration,
        models: ModelSwitch,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(ServiceError) {
        path = configuration.model
        self.configuration = configuration
        self.models = models
        pollSeconds = configuration.modelPollSeconds
        self.logger = logger
        reloads = Counter(label: ServiceMetricNames.modelReloads, factory: metricsFactory)
        failures = Counter(label: ServiceMetricNames.modelReloadFailures, factory: metricsFactory)
        do {
            try thread.start(name: "model-reload") { [self] in run() }
        } catch {
            throw .startup("cannot start the model-reload thread: \(error)")
        }
    }

    /// Asks for a reload now (the SIGHUP handler's call).
    public func requestReload() { requested.store(true, ordering: .releasing) }

    public func stop() { thread.stop() }

    deinit { stop() }

    private func run() {
        var seen = FileFingerprint(path: path)
        var lastCheck = MonotonicDeadline.now()
        let pollNanoseconds = Int64(pollSeconds * 1e9)
        while !thread.isStopping {
            sleepThread(for: .milliseconds(100))
            var reason: String?
            if requested.exchange(false, ordering: .acquiringAndReleasing) {
                reason = "SIGHUP"
            } else if pollSeconds > 0, MonotonicDeadline.now().nanoseconds(since: lastCheck) >= pollNanoseconds {
                lastCheck = MonotonicDeadline.now()
                let now = FileFingerprint(path: path)
                if let now, now != seen { reason = "the file changed" }
            }
            guard let reason else { continue }
            seen = FileFingerprint(path: path)
            reload(because: reason)
        }
    }

    private func reload(because reason: String) {
        // The name and version come from the model file: escaped, they cannot forge log lines.
        let old = models.current.model.identifier.escapedForLog
        do {
            let model = try configuration.checkedModel(at: path)
            // Everything a worker will do with it, once, here: extractor, dimension, scorer.
            _ = try InferenceProcessor(model: model, maxBatch: 1)
            models.publish(model)
            reloads.increment()
            logger.notice("model reloaded (\(reason)): \(model.identifier.escapedForLog) replaces \(old)")
        } catch {
            failures.increment()
            logger.error(
                "model reload refused (\(reason)): '\(path.escapedForLog)': \(ServiceConfiguration.describe(error).escapedForLog); still scoring with \(old)"
            )
        }
    }
}
