import CoreMetrics
import Inference
import Logging
import Platform
import SchemaRegistry
import Synchronization

/// Writer schemas by registry id, compiled into request decoders, shared by a pipeline's workers.
///
/// A worker asks here only for an id its own ``RequestReader`` has not seen. Each id is fetched
/// from the registry once: fetches run one at a time under `fetching`, and a worker that waited
/// for the lock finds the id the first one fetched. A refusal (no such id, an unusable schema) is
/// remembered for ``refusalSeconds``, so a burst of records with a bad id costs one request a
/// minute, not one per record, and a registry replica that lagged is asked again later.
///
/// A registry that is down, slow or refusing our credentials is back-pressure, not bad input: the
/// fetch retries with backoff while the worker holds its micro-batch; the rings fill, and the
/// pollers pause their partitions (docs/RELIABILITY.md). Records are answered when it returns.
/// Only shutdown (``limitWaits(until:)``) ends the wait without an answer.
///
/// Synchronisation: `entries` is under its own mutex, held for dictionary reads and writes only;
/// `fetching` is held across a fetch and its retries, so at most one request is in flight;
/// `waitLimit` is stored once by the stopping thread (release) and loaded by the fetching worker
/// between attempts (acquire); the nanoseconds it holds are all it publishes.
public final class AvroSchemaCatalog: Sendable {
    /// What a lookup gave.
    public enum Lookup {
        case ready(AvroRequestDecoder)
        case refused(code: String, detail: String)
        /// The registry did not answer before shutdown's limit.
        case gaveUp
    }

    private enum Entry {
        case ready(AvroRequestDecoder)
        case refused(code: String, detail: String, until: MonotonicDeadline)
    }

    /// How long a refused id is answered from memory before the registry is asked again.
    public static let refusalSeconds: Int64 = 60

    private let client: SchemaRegistryClient
    private let mapping: AvroFieldMapping
    private let logger: Logger
    private let entries = Mutex<[UInt32: Entry]>([:])
    private let fetching = Mutex<Void>(())
    private let waitLimit = Atomic<Int64>(.max)
    /// Registry requests that failed and were retried (rare: no need for the hot path's atomics).
    private let retries: Counter

    public init(
        client: SchemaRegistryClient,
        mapping: AvroFieldMapping,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.client = client
        self.mapping = mapping
        self.logger = logger
        retries = Counter(label: ServiceMetricNames.schemaRegistryRetries, factory: metricsFactory)
    }

    /// The decoder for writer schema `id`: from memory, or fetched (blocking while the registry
    /// is unavailable, until it answers or ``limitWaits(until:)``'s deadline passes).
    public func decoder(for id: UInt32) -> Lookup {
        if let known = remembered(id) { return known }
        return fetching.withLock { _ in
            // Another worker may have fetched it while this one waited for the lock.
            if let known = remembered(id) { return known }
            // Past shutdown's limit a new id is not asked for: each try could take the timeout.
            if MonotonicDeadline.now().nanoseconds >= waitLimit.load(ordering: .acquiring) { return .gaveUp }
            return fetch(id)
        }
    }

    /// Makes every wait for the registry end by `deadline` (shutdown), for good: a catalog serves
    /// one pipeline.
    public func limitWaits(until deadline: MonotonicDeadline) {
        waitLimit.store(deadline.nanoseconds, ordering: .releasing)
    }

    private func remembered(_ id: UInt32) -> Lookup? {
        entries.withLock { entries -> Lookup? in
            switch entries[id] {
            case .ready(let decoder):
                return .ready(decoder)
            case .refused(let code, let detail, let until) where !until.hasPassed:
                return .refused(code: code, detail: detail)
            default:
                return nil
            }
        }
    }

    /// Asks the registry until it answers or the wait limit passes. Called under `fetching`.
    private func fetch(_ id: UInt32) -> Lookup {
        var backoffMilliseconds: Int64 = 100
        var failingSince: MonotonicDeadline?
        var lastWarning = MonotonicDeadline(nanoseconds: 0)
        while true {
            let text: String
            do {
                text = try client.schema(id: id)
            } catch  where error.code == .unavailable {
                retries.increment()
                let now = MonotonicDeadline.now()
                if failingSince == nil { failingSince = now }
                // Loud once, then every 30 s while it lasts.
                if now.nanoseconds - lastWarning.nanoseconds >= 30_000_000_000 {
                    logger.warning(
                        "schema registry unavailable while fetching schema \(id): \(error.description.escapedForLog); records wait (partitions pause as the rings fill) and are answered when it returns"
                    )
                    lastWarning = now
                }
                guard sleepUnlessLimited(milliseconds: backoffMilliseconds) else {
                    logger.warning(
                        "schema registry still unavailable at shutdown: records needing schema \(id) are left unanswered (read again on restart)"
                    )
                    return .gaveUp
                }
                backoffMilliseconds = min(backoffMilliseconds * 2, 5_000)
                continue
            } catch  where error.code == .notFound {
                return remember(id, refusal: (AvroRefusal.unknownSchema, "the schema registry has no schema \(id)"))
            } catch {
                return remember(
                    id,
                    refusal: (
                        AvroRefusal.schemaUnusable,
                        "the schema registry's answer for schema \(id) cannot be used: \(error.description)"
                    )
                )
            }
            if let since = failingSince {
                let seconds = Double(MonotonicDeadline.now().nanoseconds - since.nanoseconds) / 1e9
                logger.notice(
                    "schema registry answered schema \(id) after \(String(seconds, decimals: 1)) s unavailable"
                )
            }
            return compile(id, text)
        }
    }

    private func compile(_ id: UInt32, _ text: String) -> Lookup {
        do {
            let schema = try AvroSchema(parsing: text)
            let decoder = try AvroRequestDecoder(writerSchema: schema, mapping: mapping)
            entries.withLock { $0[id] = .ready(decoder) }
            logger.info("schema \(id) (\(schema.name.escapedForLog)) compiled for request decoding")
            return .ready(decoder)
        } catch {
            return remember(id, refusal: (AvroRefusal.schemaUnusable, "schema \(id): \(error.reason)"))
        }
    }

    private func remember(_ id: UInt32, refusal: (code: String, detail: String)) -> Lookup {
        logger.warning(
            "schema \(id) refused: \(refusal.detail.escapedForLog); its records are dead-lettered as \(refusal.code)"
        )
        let until = MonotonicDeadline.after(.seconds(Self.refusalSeconds))
        entries.withLock { $0[id] = .refused(code: refusal.code, detail: refusal.detail, until: until) }
        return .refused(code: refusal.code, detail: refusal.detail)
    }

    /// Sleeps `milliseconds` in short steps; false when the wait limit passes first.
    private func sleepUnlessLimited(milliseconds: Int64) -> Bool {
        let end = MonotonicDeadline.after(.milliseconds(milliseconds))
        while !end.hasPassed {
            if MonotonicDeadline.now().nanoseconds >= waitLimit.load(ordering: .acquiring) { return false }
            sleepThread(for: .milliseconds(min(20, milliseconds)))
        }
        return MonotonicDeadline.now().nanoseconds < waitLimit.load(ordering: .acquiring)
    }
}
