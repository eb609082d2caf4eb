import Foundation
import Platform
import Service
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The operations endpoint against clients that hold connections, and on the addresses an operator
/// names: `serve` waits for an absent broker, so only the endpoint is working.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EndpointClientTests {
    /// `serve` with no broker and the endpoint on `host` (the default when nil), and the port.
    static func serviceWaitingForABroker(host: String?) throws -> (ServiceProcess, UInt16) {
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        configuration.model = try TestModel.write()
        let port = try FaultScenarioTests.freePort()
        let extra = ["--metrics-port", String(port)] + (host.map { ["--metrics-host", $0] } ?? [])
        return (try ServiceProcess(configuration, extra: extra), port)
    }

    /// Holds `count` connections that each send one byte of a request head every 1.5 s; a
    /// connection the server closes is replaced at once, so `count` are always open or opening.
    final class SlowClients: Sendable {
        let replaced = Atomic<Int>(0)
        private let thread = StoppableThread()

        init(count: Int, port: UInt16) throws {
            try thread.start(name: "slowloris") { [self] in run(count: count, port: port) }
        }

        func stop() { thread.stop() }

        private func run(count: Int, port: UInt16) {
            let head = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8)
            var clients: [(socket: TestSocket?, sent: Int, next: MonotonicDeadline)] = (0..<count).map { index in
                (TestSocket(host: "127.0.0.1", port: port), 0, .after(.milliseconds(Int64(index * 30))))
            }
            while !thread.isStopping {
                for index in clients.indices where clients[index].next.hasPassed {
                    if clients[index].socket?.isClosedByPeer ?? true {
                        clients[index] = (TestSocket(host: "127.0.0.1", port: port), 0, .after(.milliseconds(0)))
                        replaced.wrappingAdd(1, ordering: .relaxed)
                    }
                    let byte = head[clients[index].sent % head.count]
                    clients[index].socket?.send(String(decoding: [byte], as: UTF8.self))
                    clients[index].sent += 1
                    clients[index].next = .after(.milliseconds(1_500))
                }
                sleepThread(for: .milliseconds(20))
            }
        }
    }

    @Test func healthzAnswersWithinAHundredMillisecondsWhileFiftySlowClientsHoldConnections() throws {
        let (service, port) = try Self.serviceWaitingForABroker(host: nil)
        #expect(
            eventually(seconds: 20) { TestSocket.request("/healthz", port: port)?.status == 200 },
            "\(service.log.suffix(2_000))"
        )
        let slow = try SlowClients(count: 50, port: port)
        sleepThread(for: .seconds(2))  // all 50 open and trickling; the first deadlines have passed
        var milliseconds: [Double] = []
        var answered = 0
        for _ in 0..<50 {
            let start = MonotonicDeadline.now()
            if TestSocket.request("/healthz", port: port)?.status == 200 { answered += 1 }
            milliseconds.append(Double(MonotonicDeadline.now().nanoseconds(since: start)) / 1e6)
            sleepThread(for: .milliseconds(100))
        }
        slow.stop()
        milliseconds.sort()
        let p50 = milliseconds[24]
        let p99 = milliseconds[Int((0.99 * Double(milliseconds.count)).rounded(.up)) - 1]
        print(
            "endpoint with 50 slow clients: \(answered)/50 /healthz answered, p50 \(p50) ms, p99 \(p99) ms, "
                + "\(slow.replaced.load(ordering: .relaxed)) slow connections closed by the request deadline"
        )
        #expect(answered == 50)
        #expect(p99 < 100)
        #expect(slow.replaced.load(ordering: .relaxed) > 0, "the request deadline closes trickling clients")
        service.terminate()
        #expect(service.waitForExit(seconds: 10) == 0, "\(service.log.suffix(2_000))")
    }

    @Test(
        arguments: [
            (nil, "127.0.0.1:", ["127.0.0.1"]),
            ("localhost", ":", ["localhost"]),
            ("::1", "[::1]:", ["::1"]),
            ("::", "[::]:", ["::1", "127.0.0.1"]),
            ("0.0.0.0", "0.0.0.0:", ["127.0.0.1"]),
        ] as [(String?, String, [String])]
    )
    func theEndpointListensWhereTheLogSays(host: String?, logged: String, reachable: [String]) throws {
        let (service, port) = try Self.serviceWaitingForABroker(host: host)
        #expect(
            eventually(seconds: 20) { service.log.contains("metrics and health on ") },
            "\(service.log.suffix(2_000))"
        )
        #expect(service.log.contains("\(logged)\(port) (/metrics"), "\(service.log.suffix(2_000))")
        for address in reachable {
            #expect(TestSocket.request("/healthz", host: address, port: port)?.status == 200, "\(address)")
        }
        service.terminate()
        #expect(service.waitForExit(seconds: 10) == 0, "\(service.log.suffix(2_000))")
    }
}
