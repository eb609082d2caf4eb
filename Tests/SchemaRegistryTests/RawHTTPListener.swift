import Foundation
import Platform
import Synchronization

/// A loopback TCP listener that plays a misbehaving registry: it records each request (head and
/// body) and answers with canned bytes, or never answers.
///
/// Thread-safe: the accept loop runs on a thread of its own; the recorded requests are in a
/// `Mutex`, and `stopped` is released by ``stop()`` and acquired by the loop.
final class RawHTTPListener: Sendable {
    enum Behaviour: Sendable {
        /// Sends these bytes, then closes.
        case answer([UInt8])
        /// Reads the request and sends nothing until stopped.
        case silent
    }

    let port: UInt16
    private let listener: TCPListener
    private let behaviour: Behaviour
    private let recorded = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [String] { recorded.withLock { $0 } }

    init(_ behaviour: Behaviour) throws {
        listener = try TCPListener(loopbackPort: 0)
        port = listener.port
        self.behaviour = behaviour
        Thread.detachNewThread { [self] in serve() }
    }

    /// An HTTP answer with `status`, `body`, and the headers given.
    static func response(status: Int, body: String, headers: [String] = []) -> Behaviour {
        let head =
            (["HTTP/1.1 \(status) Whatever", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers)
            .joined(separator: "\r\n")
        return .answer(Array((head + "\r\n\r\n" + body).utf8))
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        listener.close()
    }

    deinit { stop() }

    private func serve() {
        while !stopped.load(ordering: .acquiring) {
            guard let connection = listener.accept(timeoutMilliseconds: 50) else { continue }
            connection.setTimeouts(seconds: 2)
            var bytes: [UInt8] = []
            while !Self.isComplete(bytes), connection.receive(into: &bytes) {}
            recorded.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            switch behaviour {
            case .answer(let answer): _ = connection.sendAll(answer)
            case .silent:
                while !stopped.load(ordering: .acquiring) { usleep(20_000) }
            }
            connection.close()
        }
    }

    /// Whether `bytes` hold a whole request: the head, and as much body as Content-Length says.
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }
}
