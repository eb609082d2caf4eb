import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The operator's HTTP endpoint (`serve --metrics-port`): `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (200 when ready, 503 with the reasons).
///
/// A few dozen lines of POSIX sockets on one thread rather than an HTTP framework: scrapes and
/// probes are a handful of requests a minute, and the edge profile counts every megabyte and every
/// second of build. One request per connection (`Connection: close`), request heads up to 8 KB,
/// 2 s to send one; anything else gets 400, 404 or 405.
public final class OperationsServer: Sendable {
    /// What the endpoint serves, asked at each request (on the server's thread).
    public struct Content: Sendable {
        public var metrics: @Sendable () -> String
        /// Reasons the service is not ready; empty when it is.
        public var notReady: @Sendable () -> [String]

        public init(metrics: @escaping @Sendable () -> String, notReady: @escaping @Sendable () -> [String]) {
            self.metrics = metrics
            self.notReady = notReady
        }
    }

    public let port: UInt16
    private let listener: Int32
    private let thread = ServiceThread()

    /// Listens on `host`:`port` (0: the kernel picks; see ``port``) and serves on its own thread.
    ///
    /// - Throws: ``ServiceError`` `.startup` when the address cannot be bound.
    public init(host: String = "0.0.0.0", port: UInt16, content: Content, logger: Logger) throws(ServiceError) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw .startup("metrics endpoint: socket: \(Self.lastError())") }
        var one: Int32 = 1
        _ = unsafe setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = unsafe inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = unsafe withUnsafeMutablePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe bind(socket, $0, length) == 0 && listen(socket, 16) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else {
            let reason = Self.lastError()
            close(socket)
            throw .startup("metrics endpoint: cannot listen on \(host):\(port): \(reason)")
        }
        listener = socket
        self.port = UInt16(bigEndian: address.sin_port)
        do {
            try thread.start(name: "operations") { [self] in serve(content, logger: logger) }
        } catch {
            close(socket)
            throw error
        }
    }

    private static func lastError() -> String { unsafe String(cString: strerror(errno)) }

    /// Stops serving and closes the socket.
    public func stop() {
        if thread.stop() { close(listener) }
    }

    deinit { stop() }

    private func serve(_ content: Content, logger: Logger) {
        while !thread.isStopping {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard unsafe poll(&poller, 1, 200) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            respond(on: connection, content: content, logger: logger)
            close(connection)
        }
    }

    private func respond(on connection: Int32, content: Content, logger: Logger) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = unsafe setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = unsafe setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2_048)
        while head.count < 8_192 {
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            head += chunk[0..<count]
            if head.contains(0x0A) { break }  // the request line is all that is read
        }
        let line = String(decoding: head.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let reply: (status: String, type: String, body: String)
        if parts.count < 2 {
            reply = ("400 Bad Request", "text/plain", "bad request\n")
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            reply = ("405 Method Not Allowed", "text/plain", "only GET\n")
        } else {
            switch parts[1].split(separator: "?").first.map(String.init) ?? "" {
            case "/metrics": reply = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", content.metrics())
            case "/healthz": reply = ("200 OK", "text/plain", "ok\n")
            case "/readyz":
                let reasons = content.notReady()
                reply =
                    reasons.isEmpty
                    ? ("200 OK", "text/plain", "ready\n")
                    : ("503 Service Unavailable", "text/plain", reasons.map { "not ready: \($0)\n" }.joined())
            default: reply = ("404 Not Found", "text/plain", "not found: /metrics, /healthz, /readyz\n")
            }
        }
        let body = parts.first == "HEAD" ? "" : reply.body
        let response =
            "HTTP/1.1 \(reply.status)\r\nContent-Type: \(reply.type)\r\nContent-Length: \(reply.body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body
        var bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = unsafe bytes.withUnsafeMutableBytes {
                unsafe send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else {
                logger.debug("metrics endpoint: a client went away mid-reply")
                return
            }
            sent += count
        }
    }
}
