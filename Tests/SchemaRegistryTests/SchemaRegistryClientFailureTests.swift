import Foundation
import Platform
import SchemaRegistry
import Testing

/// The client against a raw TCP listener that misbehaves: every answer maps to the right code,
/// nothing crashes or hangs.
@Suite(.timeLimit(.minutes(1)))
struct SchemaRegistryClientFailureTests {
    private func client(
        _ listener: RawHTTPListener,
        configure: (inout SchemaRegistryConfiguration) -> Void = { _ in }
    )
        throws -> SchemaRegistryClient
    {
        var configuration = SchemaRegistryConfiguration(urls: [listener.url], timeoutMilliseconds: 1_000)
        configure(&configuration)
        return try SchemaRegistryClient(configuration: configuration)
    }

    private func error(fetchingFrom listener: RawHTTPListener) throws -> SchemaRegistryError? {
        let client = try client(listener)
        return #expect(throws: SchemaRegistryError.self) { try client.schema(id: 1) }
    }

    @Test func garbageIsAnInvalidResponse() throws {
        let listener = try RawHTTPListener(.answer(Array("this is not HTTP at all\r\n\r\n".utf8)))
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .invalidResponse, "\(String(reflecting: error))")
    }

    @Test func bodyThatIsNotJSONIsAnInvalidResponse() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 200, body: "<html>hello</html>"))
        #expect(try error(fetchingFrom: listener)?.code == .invalidResponse)
    }

    @Test func answerWithoutSchemaIsAnInvalidResponse() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 200, body: #"{"schemaa":"x"}"#))
        #expect(try error(fetchingFrom: listener)?.code == .invalidResponse)
    }

    @Test func protobufSchemaIsRefusedAsNotAvro() throws {
        let body = #"{"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"}"#
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 200, body: body))
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .invalidResponse)
        #expect(error?.description == "schema 1 is PROTOBUF; only Avro is supported")
    }

    @Test func hugeDeclaredBodyIsRefusedUnread() throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n"
        let listener = try RawHTTPListener(.answer(Array(head.utf8) + [UInt8](repeating: 0x20, count: 2 << 20)))
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("more than 1048576 bytes") == true, "\(String(describing: error))")
    }

    @Test func hugeChunkedBodyIsRefusedAtTheLimit() throws {
        let chunk = String(repeating: "x", count: 0x10000)
        let body = String(repeating: "10000\r\n\(chunk)\r\n", count: 40) + "0\r\n\r\n"
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        let listener = try RawHTTPListener(.answer(Array((head + body).utf8)))
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("more than 1048576 bytes") == true, "\(String(describing: error))")
    }

    @Test func serverErrorIsUnavailable() throws {
        let listener = try RawHTTPListener(
            RawHTTPListener.response(status: 500, body: #"{"error_code":50001,"message":"store broke"}"#)
        )
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .unavailable)
        #expect(error?.registryErrorCode == 50001)
        #expect(error?.description.contains("store broke") == true)
    }

    @Test func unauthorizedIsUnavailable() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 401, body: #"{"message":"no"}"#))
        #expect(try error(fetchingFrom: listener)?.code == .unavailable)
    }

    @Test func plain404WithoutRegistryCodeIsRefused() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 404, body: "not here"))
        #expect(try error(fetchingFrom: listener)?.code == .refused)
    }

    @Test func silentRegistryTimesOutAsUnavailable() throws {
        let listener = try RawHTTPListener(.silent)
        defer { listener.stop() }
        let deadline = MonotonicDeadline.after(.seconds(3))
        let error = try error(fetchingFrom: listener)
        #expect(error?.code == .unavailable)
        #expect(!deadline.hasPassed, "the 1 s timeout should end the request")
    }

    @Test func serverErrorOnTheFirstURLFallsToTheSecond() throws {
        let broken = try RawHTTPListener(RawHTTPListener.response(status: 503, body: ""))
        let good = try RawHTTPListener(RawHTTPListener.response(status: 200, body: #"{"schema":"\"string\""}"#))
        let client = try SchemaRegistryClient(configuration: SchemaRegistryConfiguration(urls: [broken.url, good.url]))
        #expect(try client.schema(id: 7) == #""string""#)
        #expect(broken.requests.count == 1)
    }

    @Test func basicAuthHeaderIsSent() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 200, body: #"{"schema":"\"int\""}"#))
        let client = try client(listener) { $0.basicAuth = "alice:s3cret" }
        _ = try client.schema(id: 3)
        let request = try #require(listener.requests.first)
        let expected = "Authorization: Basic " + Data("alice:s3cret".utf8).base64EncodedString()
        #expect(request.contains(expected), "\(request)")
        #expect(request.hasPrefix("GET /schemas/ids/3 HTTP/1.1\r\n"))
        #expect(request.contains("Accept: application/vnd.schemaregistry.v1+json, application/json"))
    }

    @Test func registerSendsTheSchemaAsJSON() throws {
        let listener = try RawHTTPListener(RawHTTPListener.response(status: 200, body: #"{"id":12}"#))
        let client = try client(listener)
        #expect(try client.register(subject: "s", schema: TestSchemas.user) == 12)
        let request = try #require(listener.requests.first)
        #expect(request.hasPrefix("POST /subjects/s/versions HTTP/1.1\r\n"))
        #expect(request.contains("Content-Type: application/vnd.schemaregistry.v1+json"))
        let body = try #require(request.components(separatedBy: "\r\n\r\n").last)
        let decoded = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
        #expect(decoded == ["schema": TestSchemas.user])
    }

    @Test func keyWithoutCertificateIsAConfigurationError() {
        let configuration = SchemaRegistryConfiguration(urls: ["https://r"], keyLocation: "/k.pem")
        #expect { try SchemaRegistryClient(configuration: configuration) } throws: {
            ($0 as? SchemaRegistryError)?.code == .configuration
        }
    }
}
