import CoreMetrics
import Inference
import Logging
import Platform
import Synchronization

/// The models the workers score with: the main one and, with `shadow-model`, the shadow. A reload
/// publishes a whole, validated model; each worker notices the new generation at the start of its
/// next micro-batch and switches there, so no batch is scored by two models and none by a
/// half-loaded one.
///
/// Memory ordering: the models are stored under the mutex; `published` only tells workers that
/// something changed (release on publish, acquire on check), and they then read the models under
/// the same mutex, so a worker always sees complete models.
public final class ModelSwitch: Sendable {
    /// The models of one generation (0: those loaded at start).
    struct Models {
        var generation: Int
        var model: SVMModel
        var shadow: SVMModel?
    }

    private let state: Mutex<Models>
    private let published = Atomic<Int>(0)
    private let info: ModelInfoGauge
    private let shadowInfo: ModelInfoGauge

    /// Starts with `model` (and `shadow`), reported as `anomaly_model_info` (and
    /// `anomaly_shadow_model_info`) through `metricsFactory`.
    public init(_ model: SVMModel, shadow: SVMModel? = nil, metricsFactory: any MetricsFactory = MetricsSystem.factory)
    {
        state = Mutex(Models(generation: 0, model: model, shadow: shadow))
        info = ModelInfoGauge(factory: metricsFactory)
        shadowInfo = ModelInfoGauge(factory: metricsFactory, label: ServiceMetricNames.shadowModelInfo)
        info.show(model)
        if let shadow { shadowInfo.show(shadow) }
    }

    /// The latest models and their generation.
    var current: Models { state.withLock { $0 } }

    /// The latest generation: a cheap check for workers.
    var generation: Int { published.load(ordering: .acquiring) }

    /// Publishes `model` as the main model (`shadow` false) or as the shadow.
    func publish(_ model: SVMModel, shadow: Bool = false) {
        let generation = state.withLock { state in
            state.generation += 1
            if shadow { state.shadow = model } else { state.model = model }
            // Under the same lock, so publishers racing each other leave the info on the last model.
            (shadow ? shadowInfo : info).show(model)
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
        let current = models.current
        generation = current.generation
        processor = try InferenceProcessor(
            model: current.model,
            maxBatch: maxBatch,
            options: options,
            shadow: current.shadow
        )
    }

    func process(_ batch: [InputRecord], into outputs: inout [OutputRecord]) {
        if models.generation != generation {
            let latest = models.current
            // Published models were validated by building a processor first, so this succeeds.
            if let next = try? InferenceProcessor(
                model: latest.model,
                maxBatch: maxBatch,
                options: options,
                shadow: latest.shadow
            ) {
                processor = next
            }
            generation = latest.generation
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

/// Reloads the model file, and the shadow model's (`shadow-model`), on request (SIGHUP: both) or
/// when a file changes (its size, modification time or inode, checked every `model-poll-seconds`;
/// 0 checks only on request; only the file that changed is reloaded). The new file is loaded and
/// validated on this thread, off the hot path, with the checks of a start
/// (``ServiceConfiguration/loadModel(expecting:)``): it must be a model this build can score
/// (format, checksum, feature configuration, dimension) within `max-model-memory`. A file that
/// fails is refused with an error in the log and the old model stays; a later change or request
/// tries again. Reloads and refusals of either file are counted together.
public final class ModelReloader: Sendable {
    let path: String
    let shadowPath: String?
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
        shadowPath = configuration.shadowModel
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
        // The main model's file, then the shadow's.
        let files = [(path, false)] + (shadowPath.map { [($0, true)] } ?? [])
        var seen = files.map { FileFingerprint(path: $0.0) }
        var lastCheck = MonotonicDeadline.now()
        let pollNanoseconds = Int64(pollSeconds * 1e9)
        while !thread.isStopping {
            sleepThread(for: .milliseconds(100))
            let signalled = requested.exchange(false, ordering: .acquiringAndReleasing)
            var polled = false
            if !signalled, pollSeconds > 0, MonotonicDeadline.now().nanoseconds(since: lastCheck) >= pollNanoseconds {
                lastCheck = MonotonicDeadline.now()
                polled = true
            }
            guard signalled || polled else { continue }
            for (index, (file, shadow)) in files.enumerated() {
                let now = FileFingerprint(path: file)
                guard signalled || (now != nil && now != seen[index]) else { continue }
                seen[index] = now
                reload(file, shadow: shadow, because: signalled ? "SIGHUP" : "the file changed")
            }
        }
    }

    private func reload(_ file: String, shadow: Bool, because reason: String) {
        let current = models.current
        // The name and version come from the model file: escaped, they cannot forge log lines.
        let old = ((shadow ? current.shadow : current.model)?.identifier ?? "none").escapedForLog
        let role = shadow ? "shadow model" : "model"
        do {
            let model = try configuration.checkedModel(at: file)
            // Everything a worker will do with it, once, here: extractor, dimension, scorer.
            _ = try InferenceProcessor(model: model, maxBatch: 1)
            models.publish(model, shadow: shadow)
            reloads.increment()
            logger.notice("\(role) reloaded (\(reason)): \(model.identifier.escapedForLog) replaces \(old)")
        } catch {
            failures.increment()
            logger.error(
                "\(role) reload refused (\(reason)): '\(file.escapedForLog)': \(ServiceConfiguration.describe(error).escapedForLog); still \(shadow ? "shadowing" : "scoring") with \(old)"
            )
        }
    }
}
