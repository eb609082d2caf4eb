import Foundation
import SchemaRegistry
import TestSupport
import Testing

/// The development registry's REST API: compatibility, validation, errors in Confluent's form.
@Suite(.timeLimit(.minutes(1)))
struct SchemaRegistryServerTests {
    private func body(_ schema: String) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: ["schema": schema])) ?? Data())
    }

    private func json(_ reply: RegistryReply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test func backwardAcceptsAFieldWithDefaultAndRefusesOneWithout() throws {
        let registry = try RunningRegistry(compatibility: .backward)
        let first = try registry.client.register(subject: "s", schema: TestSchemas.user)
        let second = try registry.client.register(subject: "s", schema: TestSchemas.userWithAge)
        #expect(second != first)
        #expect(try registry.client.latest(subject: "s").version == 2)
        let reply = registry.server.store.reply(
            method: "POST",
            uri: "/subjects/s/versions",
            body: body(TestSchemas.userWithEmail)
        )
        #expect(reply.status == 409)
        #expect(json(reply)["error_code"] as? Int == 409)
        #expect((json(reply)["message"] as? String)?.contains("email") == true, "\(reply.body)")
    }

    @Test func noneAcceptsAnyNextSchema() throws {
        let registry = try RunningRegistry(compatibility: .none)
        _ = try registry.client.register(subject: "s", schema: TestSchemas.user)
        _ = try registry.client.register(subject: "s", schema: TestSchemas.userWithEmail)
        #expect(try registry.client.latest(subject: "s").version == 2)
    }

    @Test func subjectLevelOverridesTheGlobalOne() throws {
        let registry = try RunningRegistry(compatibility: .backward)
        let store = registry.server.store
        let set = store.reply(method: "PUT", uri: "/config/s", body: Array(#"{"compatibility":"none"}"#.utf8))
        #expect(set == RegistryReply(status: 200, body: #"{"compatibility":"NONE"}"#))
        _ = try registry.client.register(subject: "s", schema: TestSchemas.user)
        _ = try registry.client.register(subject: "s", schema: TestSchemas.userWithEmail)
        #expect(store.reply(method: "GET", uri: "/config", body: []).body == #"{"compatibilityLevel":"BACKWARD"}"#)
        #expect(store.reply(method: "GET", uri: "/config/s", body: []).body == #"{"compatibilityLevel":"NONE"}"#)
        let full = store.reply(method: "PUT", uri: "/config", body: Array(#"{"compatibility":"FULL"}"#.utf8))
        #expect(full.status == 422 && json(full)["error_code"] as? Int == 42203, "\(full)")
    }

    @Test func invalidSchemaIsRefusedWith422() throws {
        let registry = try RunningRegistry()
        let reply = registry.server.store.reply(
            method: "POST",
            uri: "/subjects/s/versions?normalize=false",
            body: body(#"{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}"#)
        )
        #expect(reply.status == 422)
        #expect(json(reply)["error_code"] as? Int == 42201)
        #expect((json(reply)["message"] as? String)?.hasPrefix("Invalid schema") == true, "\(reply.body)")
        #expect { try registry.client.register(subject: "s", schema: "{") } throws: {
            ($0 as? SchemaRegistryError)?.code == .refused && ($0 as? SchemaRegistryError)?.httpStatus == 422
        }
    }

    @Test func recursiveSchemaIsRefusedWith422() throws {
        let registry = try RunningRegistry()
        let error = #expect(throws: SchemaRegistryError.self) {
            try registry.client.register(subject: "s", schema: TestSchemas.recursive)
        }
        #expect(error?.code == .refused)
        #expect(error?.registryErrorCode == 42201, "\(String(reflecting: error))")
    }

    @Test func lookUpFindsTheVersionOfASchema() throws {
        let registry = try RunningRegistry()
        let store = registry.server.store
        _ = try registry.client.register(subject: "s", schema: TestSchemas.user)
        let id = try registry.client.register(subject: "s", schema: TestSchemas.userWithAge)
        let found = json(store.reply(method: "POST", uri: "/subjects/s", body: body(TestSchemas.userWithAge)))
        #expect(found["id"] as? Int == Int(id) && found["version"] as? Int == 2 && found["subject"] as? String == "s")
        let missing = store.reply(method: "POST", uri: "/subjects/s", body: body(TestSchemas.userWithEmail))
        #expect(missing.status == 404 && json(missing)["error_code"] as? Int == 40403)
        let noSubject = store.reply(method: "POST", uri: "/subjects/t", body: body(TestSchemas.user))
        #expect(json(noSubject)["error_code"] as? Int == 40401)
    }

    @Test func subjectsVersionsAndDeleteAnswerAsConfluentDoes() throws {
        let registry = try RunningRegistry()
        let store = registry.server.store
        _ = try registry.client.register(subject: "b", schema: TestSchemas.user)
        let id = try registry.client.register(subject: "a", schema: TestSchemas.user)
        _ = try registry.client.register(subject: "a", schema: TestSchemas.userWithAge)
        #expect(store.reply(method: "GET", uri: "/subjects", body: []).body == #"["a","b"]"#)
        #expect(store.reply(method: "GET", uri: "/subjects/a/versions", body: []).body == "[1,2]")
        #expect(json(store.reply(method: "GET", uri: "/subjects/a/versions/1", body: []))["id"] as? Int == Int(id))
        let uses = store.reply(method: "GET", uri: "/schemas/ids/\(id)/versions", body: [])
        #expect(uses.body == #"[{"subject":"a","version":1},{"subject":"b","version":1}]"#)
        #expect(
            json(store.reply(method: "GET", uri: "/subjects/a/versions/3", body: []))["error_code"] as? Int == 40402
        )
        #expect(store.reply(method: "GET", uri: "/subjects/a/versions/x", body: []).status == 422)
        #expect(store.reply(method: "DELETE", uri: "/subjects/a", body: []).body == "[1,2]")
        #expect(json(store.reply(method: "GET", uri: "/subjects/a/versions", body: []))["error_code"] as? Int == 40401)
        // The schema itself stays: ids are never reused.
        #expect(try registry.client.schema(id: id) == TestSchemas.user)
    }

    @Test func unknownPathsAndMethodsAnswerJSONErrors() throws {
        let store = try RunningRegistry().server.store
        #expect(store.reply(method: "GET", uri: "/nothing", body: []).status == 404)
        #expect(json(store.reply(method: "GET", uri: "/nothing", body: []))["error_code"] as? Int == 404)
        #expect(store.reply(method: "PATCH", uri: "/subjects", body: []).status == 405)
        #expect(store.reply(method: "POST", uri: "/subjects/s/versions", body: Array("nope".utf8)).status == 400)
    }

    @Test func bodyOverOneMebibyteIsRefusedWith413() throws {
        let registry = try RunningRegistry()
        let port = try #require(registry.server.port)
        let socket = try #require(TestSocket(host: "127.0.0.1", port: UInt16(port)))
        socket.send("POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
        let answer = String(decoding: socket.receiveAll(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.contains(#""error_code":413"#))
        // Chunked, with no length declared: refused when the limit is passed.
        let chunked = try #require(TestSocket(host: "127.0.0.1", port: UInt16(port)))
        chunked.send("POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "x", count: 0x10000)
        for _ in 0..<20 where chunked.send("10000\r\n\(chunk)\r\n") {}
        #expect(String(decoding: chunked.receiveAll(), as: UTF8.self).hasPrefix("HTTP/1.1 413"))
    }

    @Test func stoppedServerStartsAgainWithItsContents() throws {
        let registry = try RunningRegistry()
        let id = try registry.client.register(subject: "s", schema: TestSchemas.user)
        registry.server.stop()
        #expect(registry.server.url == nil)
        let port = try registry.server.start()
        let client = try SchemaRegistryClient(configuration: .init(urls: ["http://127.0.0.1:\(port)"]))
        #expect(try client.schema(id: id) == TestSchemas.user)
    }
}
