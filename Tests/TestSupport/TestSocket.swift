import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client TCP connection for endpoint tests: resolves the host with getaddrinfo (IPv4 or
/// IPv6), connects to the first address that answers, and closes on `deinit`.
public final class TestSocket {
    public let descriptor: Int32

    /// Connects to `host`:`port`; nil when no address of `host` accepts. Every receive and send
    /// gives up after `timeoutSeconds`.
    public init?(host: String, port: UInt16, timeoutSeconds: Int = 5) {
        var hints = unsafe addrinfo()
        unsafe hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard unsafe getaddrinfo(host, String(port), &hints, &list) == 0 else { return nil }
        defer { unsafe freeaddrinfo(list) }
        var connected: Int32 = -1
        var next = unsafe list
        while let info = unsafe next, connected < 0 {
            let fd = unsafe socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if unsafe connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    connected = fd
                } else {
                    close(fd)
                }
            }
            unsafe next = info.pointee.ai_next
        }
        guard connected >= 0 else { return nil }
        descriptor = connected
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = unsafe setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        _ = unsafe setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    deinit { close(descriptor) }

    /// Sends all of `text`; false when the connection is gone.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let sent = unsafe bytes.withUnsafeBytes {
            unsafe Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        return sent == bytes.count
    }

    /// Reads until the peer closes (or the timeout passes).
    public func receiveAll() -> [UInt8] {
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            response += chunk[0..<count]
        }
        return response
    }

    /// Whether the peer has closed the connection (checked without waiting).
    public var isClosedByPeer: Bool {
        var byte: UInt8 = 0
        let count = unsafe recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// `method path` over a new connection: the status code and the body, or nil when nothing
    /// answers.
    public static func request(
        _ path: String,
        host: String = "127.0.0.1",
        port: UInt16,
        method: String = "GET"
    ) -> (status: Int, body: String)? {
        guard let socket = TestSocket(host: host, port: port),
            socket.send("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
        else { return nil }
        let text = String(decoding: socket.receiveAll(), as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first,
            let code = statusLine.split(separator: " ").dropFirst().first,
            let status = Int(code), let split = text.range(of: "\r\n\r\n")
        else { return nil }
        return (status, String(text[split.upperBound...]))
    }
}
