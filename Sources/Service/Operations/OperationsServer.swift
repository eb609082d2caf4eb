import Logging
import Platform

/// The operator's HTTP endpoint (`serve --metrics-port`): `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (200 when ready, 503 with the reasons).
///
/// A few dozen lines over Platform's TCP sockets on one thread rather than an HTTP framework: scrapes and
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

    public var port: UInt16 { listener.port }
    private let listener: TCPListener
    private let thread = StoppableThread()

    /// Listens on `host`:`port` (0: the kernel picks; see ``port``) and serves on its own thread.
    ///
    /// - Throws: ``ServiceError`` `.startup` when the address cannot be bound.
    public init(host: String = "0.0.0.0", port: UInt16, content: Content, logger: Logger) throws(ServiceError) {
        do {
            listener = try TCPListener(host: host, port: port, backlog: 16)
        } catch {
            throw .startup("metrics endpoint: \(error.reason)\(error.systemErrorText)")
        }
        do {
            try thread.start(name: "operations") { [self] in serve(content, logger: logger) }
        } catch {
            listener.close()
            throw .startup("metrics endpoint: cannot start its thread: \(error)")
        }
    }

    /// Stops serving and closes the socket.
    public func stop() {
        if thread.stop() { listener.close() }
    }

    deinit { stop() }

    private func serve(_ content: Content, logger: Logger) {
        while !thread.isStopping {
            guard let connection = listener.accept(timeoutMilliseconds: 200) else { continue }
            respond(on: connection, content: content, logger: logger)
            connection.close()
        }
    }

    private func respond(on connection: TCPConnection, content: Content, logger: Logger) {
        connection.setTimeouts(seconds: 2)
        var head: [UInt8] = []
        while head.count < 8_192, connection.receive(into: &head, maxBytes: 2_048) {
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
        if !connection.sendAll(Array(response.utf8)) {
            logger.debug("metrics endpoint: a client went away mid-reply")
        }
    }
}
