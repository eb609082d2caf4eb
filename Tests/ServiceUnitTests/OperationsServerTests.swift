import Logging
import Platform
import Service
import TestSupport
import Testing

/// ``OperationsServer`` on its own: its connection limit, its request deadline, its replies.
@Suite(.timeLimit(.minutes(1)))
struct OperationsServerTests {
    static func server(limits: OperationsServer.Limits = .init()) throws -> OperationsServer {
        try OperationsServer(
            port: 0,
            limits: limits,
            content: .init(metrics: { "anomaly_up 1\n" }, notReady: { ["waiting for the broker"] }),
            logger: Logger(label: "test")
        )
    }

    @Test func itBindsLoopbackByDefaultAndAnswersEachPath() throws {
        let server = try Self.server()
        defer { server.stop() }
        #expect(server.address == "127.0.0.1:\(server.port)")
        #expect(TestSocket.request("/healthz", port: server.port).map { "\($0.status) \($0.body)" } == "200 ok\n")
        #expect(TestSocket.request("/metrics?x=1", port: server.port)?.body == "anomaly_up 1\n")
        let ready = TestSocket.request("/readyz", port: server.port)
        #expect(ready?.status == 503 && ready?.body == "not ready: waiting for the broker\n")
        #expect(TestSocket.request("/nowhere", port: server.port)?.status == 404)
        #expect(TestSocket.request("/healthz", port: server.port, method: "POST")?.status == 405)
        let head = TestSocket.request("/healthz", port: server.port, method: "HEAD")
        #expect(head?.status == 200 && head?.body == "")
    }

    @Test func connectionsBeyondTheLimitAreClosedAtOnceAndOthersStillServed() throws {
        let server = try Self.server(limits: .init(maxConnections: 4, requestSeconds: 30))
        defer { server.stop() }
        let held = (0..<4).compactMap { _ in TestSocket(host: "127.0.0.1", port: server.port) }
        #expect(held.count == 4)
        sleepThread(for: .milliseconds(200))  // all four accepted and counted
        let refused = try #require(TestSocket(host: "127.0.0.1", port: server.port))
        #expect(eventually(seconds: 2) { refused.isClosedByPeer })
        #expect(held.allSatisfy { !$0.isClosedByPeer })
        held[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(String(decoding: held[0].receiveAll(), as: UTF8.self).hasSuffix("\r\n\r\nok\n"))
        #expect(eventually(seconds: 2) { TestSocket.request("/healthz", port: server.port)?.status == 200 })
    }

    @Test func aClientThatTricklesItsRequestIsClosedAtTheDeadline() throws {
        let server = try Self.server(limits: .init(maxConnections: 4, requestSeconds: 1))
        defer { server.stop() }
        let slow = try #require(TestSocket(host: "127.0.0.1", port: server.port))
        let start = MonotonicDeadline.now()
        for byte in "GET /healthz HTTP/1.1\r\n" {
            if slow.isClosedByPeer { break }
            slow.send(String(byte))
            sleepThread(for: .milliseconds(200))
        }
        let seconds = Double(MonotonicDeadline.now().nanoseconds(since: start)) / 1e9
        #expect(slow.isClosedByPeer)
        #expect(seconds < 2.5, "closed after \(seconds) s")
    }
}
