import Foundation
import Platform
import SchemaRegistry
import Synchronization
import Testing

/// The client against the development registry over loopback TCP.
@Suite(.timeLimit(.minutes(1)))
struct SchemaRegistryClientTests {
    @Test func registeredSchemaIsFetchedByIdAndAsLatest() throws {
        let registry = try RunningRegistry()
        let id = try registry.client.register(subject: "users-value", schema: TestSchemas.user)
        #expect(try registry.client.schema(id: id) == TestSchemas.user)
        let latest = try registry.client.latest(subject: "users-value")
        #expect(latest == RegisteredSchema(subject: "users-value", id: id, version: 1, schema: TestSchemas.user))
    }

    @Test func identicalSchemaGetsTheSameIdUnderAnySubject() throws {
        let registry = try RunningRegistry()
        let first = try registry.client.register(subject: "a", schema: TestSchemas.user)
        #expect(try registry.client.register(subject: "a", schema: TestSchemas.user) == first)
        // The same schema with other white space has the same canonical form.
        let spaced = TestSchemas.user.replacingOccurrences(of: ",", with: ", ")
        #expect(try registry.client.register(subject: "b", schema: spaced) == first)
        #expect(try registry.client.latest(subject: "a").version == 1)
    }

    @Test func subjectWithSlashesAndSpacesIsPercentEncoded() throws {
        let registry = try RunningRegistry()
        let subject = "team/users value?%"
        let id = try registry.client.register(subject: subject, schema: TestSchemas.user)
        #expect(try registry.client.latest(subject: subject).id == id)
        #expect(
            registry.server.store.reply(method: "GET", uri: "/subjects", body: []).body.contains("team/users value?%")
        )
    }

    @Test func unknownIdAndSubjectAreNotFound() throws {
        let registry = try RunningRegistry()
        #expect { try registry.client.schema(id: 42) } throws: { ($0 as? SchemaRegistryError)?.code == .notFound }
        #expect { try registry.client.latest(subject: "none") } throws: {
            let error = $0 as? SchemaRegistryError
            return error?.code == .notFound && error?.registryErrorCode == 40401 && error?.httpStatus == 404
        }
    }

    @Test func incompatibleSchemaIsRefusedWithTheRegistrysMessage() throws {
        let registry = try RunningRegistry()
        _ = try registry.client.register(subject: "users", schema: TestSchemas.user)
        let error = #expect(throws: SchemaRegistryError.self) {
            try registry.client.register(subject: "users", schema: TestSchemas.userWithEmail)
        }
        #expect(error?.code == .refused)
        #expect(error?.httpStatus == 409)
        #expect(error?.description.contains("incompatible") == true, "\(String(describing: error))")
    }

    @Test func stoppedRegistryIsUnavailableAtOnce() throws {
        let registry = try RunningRegistry()
        registry.server.stop()
        let started = MonotonicDeadline.after(.seconds(2))
        let error = #expect(throws: SchemaRegistryError.self) { try registry.client.schema(id: 1) }
        #expect(error?.code == .unavailable)
        #expect(!started.hasPassed, "a refused connection should fail at once")
    }

    @Test func secondURLIsUsedWhenTheFirstIsDown() throws {
        let registry = try RunningRegistry()
        let id = try registry.client.register(subject: "s", schema: TestSchemas.user)
        let down = try TCPListener(loopbackPort: 0)
        let downPort = down.port
        down.close()
        let client = try SchemaRegistryClient(
            configuration: SchemaRegistryConfiguration(
                urls: ["http://127.0.0.1:\(downPort)"] + registry.client.configuration.urls
            )
        )
        #expect(try client.schema(id: id) == TestSchemas.user)
    }

    @Test func severalThreadsFetchAtOnce() throws {
        let registry = try RunningRegistry()
        let id = try registry.client.register(subject: "s", schema: TestSchemas.user)
        let client = registry.client
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if (try? client.schema(id: id)) != TestSchemas.user { failures.count.add(1, ordering: .relaxed) }
        }
        #expect(failures.count.load(ordering: .relaxed) == 0)
    }

    @Test func urlListIsCheckedWithTheProblemNamed() throws {
        #expect(
            try SchemaRegistryConfiguration.parseURLs(" http://a:8081/ , https://b") == ["http://a:8081", "https://b"]
        )
        for (text, problem) in [
            ("ftp://a", "http:// or https://"), ("http://", "no host"), ("http://a?x=1", "query"),
            ("http://a:99999", "port"), ("", "no schema registry URL"),
        ] {
            let error = #expect(throws: SchemaRegistryError.self) { try SchemaRegistryConfiguration.parseURLs(text) }
            #expect(error?.code == .configuration)
            #expect(error?.description.contains(problem) == true, "\(text): \(String(describing: error))")
        }
    }

    @Test func credentialsInTheURLAreNotShownInMessages() throws {
        let error = #expect(throws: SchemaRegistryError.self) {
            try SchemaRegistryConfiguration.parseURLs("http://user:secret@host:1?q")
        }
        #expect(error?.description.contains("secret") == false)
    }
}

/// Failed fetches across threads; relaxed, since the count guards no other memory and is read
/// after `concurrentPerform` has joined every thread.
private final class FailureCount: Sendable {
    let count = Atomic<Int>(0)
}
