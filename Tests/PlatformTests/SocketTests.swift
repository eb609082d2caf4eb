import Platform
import Testing

@Suite struct SocketTests {
    @Test func listenerAcceptsAConnectionAndBytesCrossBothWays() throws {
        let listener = try TCPListener(loopbackPort: 0)
        #expect(listener.port != 0)
        let client = try #require(TCPConnection.loopback(port: listener.port))
        let server = try #require(listener.accept(timeoutMilliseconds: 2_000))
        server.setTimeouts(seconds: 2)
        client.setTimeouts(seconds: 2)
        #expect(client.sendAll(Array("ping\n".utf8)))
        var received: [UInt8] = []
        while !received.contains(0x0A), server.receive(into: &received) {}
        #expect(received == Array("ping\n".utf8))
        #expect(server.sendAll(Array("pong".utf8)))
        server.close()
        var reply: [UInt8] = []
        while client.receive(into: &reply) {}  // false once the server closed
        #expect(reply == Array("pong".utf8))
    }

    @Test func acceptTimesOutWithoutAConnectionAndAfterClose() throws {
        let listener = try TCPListener(loopbackPort: 0)
        #expect(listener.accept(timeoutMilliseconds: 20) == nil)
        listener.close()
        #expect(listener.accept(timeoutMilliseconds: 20) == nil)
        #expect(TCPConnection.loopback(port: listener.port) == nil)
    }

    @Test func aTakenPortIsASocketErrorNamingTheAddress() throws {
        let first = try TCPListener(loopbackPort: 0)
        do {
            _ = try TCPListener(loopbackPort: first.port)
            Issue.record("a second listener on port \(first.port) was accepted")
        } catch {
            #expect(error.code == .socket)
            #expect(error.reason.contains("127.0.0.1:\(first.port)"))
            #expect(error.systemErrorText.contains("in use"))
        }
    }

    @Test func relayCarriesBytesToTheTargetAndBack() throws {
        let target = try TCPListener(loopbackPort: 0)
        let relay = try TCPRelay(listenPort: 0, targetPort: target.port)
        defer { relay.stop() }
        let client = try #require(TCPConnection.loopback(port: relay.port))
        client.setTimeouts(seconds: 2)
        let upstream = try #require(target.accept(timeoutMilliseconds: 2_000))
        upstream.setTimeouts(seconds: 2)
        let payload = (0..<200_000).map { UInt8($0 % 251) }  // larger than the relay's 64 KiB buffers
        #expect(client.sendAll(payload))
        var received: [UInt8] = []
        while received.count < payload.count, upstream.receive(into: &received) {}
        #expect(received == payload)
        #expect(upstream.sendAll(Array("ok".utf8)))
        var reply: [UInt8] = []
        while reply.count < 2, client.receive(into: &reply) {}
        #expect(reply == Array("ok".utf8))
    }
}
