import Foundation
import Inference
import Logging
import Platform
import SchemaRegistry
import Service
import Synchronization
import Testing

/// The catalog against the development registry over loopback HTTP.
@Suite(.timeLimit(.minutes(1)))
struct AvroSchemaCatalogTests {
    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func catalog(_ url: String) throws -> AvroSchemaCatalog {
        var configuration = SchemaRegistryConfiguration(urls: [url])
        configuration.timeoutMilliseconds = 1_000
        return AvroSchemaCatalog(
            client: try SchemaRegistryClient(configuration: configuration),
            mapping: .default,
            logger: logger
        )
    }

    @Test func anIDIsFetchedOnceHoweverManyWorkersAskAtOnce() throws {
        let registry = SchemaRegistryServer(port: 0)
        let url = "http://127.0.0.1:\(try registry.start())"
        defer { registry.stop() }
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
        let id = try client.register(subject: "requests-value", schema: AvroRequestSchema.json)
        let catalog = try Self.catalog(url)
        let ready = ReadyCount()
        let workers = try (0..<8).map { index in
            try PinnedThread(name: "worker-\(index)", cpu: nil) {
                if case .ready = catalog.decoder(for: id) { ready.value.add(1, ordering: .relaxed) }
            }
        }
        for worker in workers { worker.join() }
        #expect(ready.value.load(ordering: .relaxed) == 8)
        #expect(registry.store.schemaByIDRequests.load(ordering: .relaxed) == 1)
    }

    @Test func anUnknownIDIsRefusedAndTheRefusalRemembered() throws {
        let registry = SchemaRegistryServer(port: 0)
        let url = "http://127.0.0.1:\(try registry.start())"
        defer { registry.stop() }
        let catalog = try Self.catalog(url)
        for _ in 0..<5 {
            guard case .refused(let code, let detail) = catalog.decoder(for: 77) else {
                Issue.record("schema 77 does not exist")
                return
            }
            #expect(code == "unknownSchema")
            #expect(detail.contains("77"))
        }
        #expect(registry.store.schemaByIDRequests.load(ordering: .relaxed) == 1)
    }

    @Test func aSchemaWithoutAPathIsUnusableWithTheReason() throws {
        let registry = SchemaRegistryServer(port: 0)
        let url = "http://127.0.0.1:\(try registry.start())"
        defer { registry.stop() }
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [url]))
        let id = try client.register(
            subject: "other-value",
            schema: #"{"type":"record","name":"Click","fields":[{"name":"button","type":"string"}]}"#
        )
        guard case .refused(let code, let detail) = try Self.catalog(url).decoder(for: id) else {
            Issue.record("a record without a path field cannot give requests")
            return
        }
        #expect(code == "schemaUnusable")
        #expect(detail.contains("path"), "\(detail)")
    }

    @Test func aRegistryThatIsDownIsWaitedForUntilItAnswers() throws {
        let registry = SchemaRegistryServer(port: 0)
        let port = try registry.start()
        let client = try SchemaRegistryClient(
            configuration: SchemaRegistryConfiguration(urls: ["http://127.0.0.1:\(port)"])
        )
        let id = try client.register(subject: "requests-value", schema: AvroRequestSchema.json)
        registry.stop()
        let catalog = try Self.catalog("http://127.0.0.1:\(port)")
        let restart = try PinnedThread(name: "restart", cpu: nil) {
            sleepThread(for: .milliseconds(700))
            _ = try? registry.start()
        }
        let started = MonotonicDeadline.now()
        let lookup = catalog.decoder(for: id)
        let waited = MonotonicDeadline.now().nanoseconds - started.nanoseconds
        restart.join()
        registry.stop()
        guard case .ready = lookup else {
            Issue.record("the lookup should have waited for the registry: \(lookup)")
            return
        }
        #expect(waited >= 600_000_000)
    }

    @Test func aStopEndsTheWaitWithoutAnAnswer() throws {
        // A port nothing listens on: bind one and close it.
        let registry = SchemaRegistryServer(port: 0)
        let port = try registry.start()
        registry.stop()
        let catalog = try Self.catalog("http://127.0.0.1:\(port)")
        catalog.limitWaits(until: .after(.milliseconds(300)))
        let started = MonotonicDeadline.now()
        guard case .gaveUp = catalog.decoder(for: 1) else {
            Issue.record("nothing answers: the lookup must give up at the limit")
            return
        }
        #expect(MonotonicDeadline.now().nanoseconds - started.nanoseconds < 3_000_000_000)
        // Past the limit a new id is not even asked for.
        guard case .gaveUp = catalog.decoder(for: 2) else {
            Issue.record("past the limit a lookup gives up at once")
            return
        }
    }
}

/// A count the test's threads share (an `Atomic` itself cannot be captured).
private final class ReadyCount: Sendable {
    let value = Atomic<Int>(0)
}
