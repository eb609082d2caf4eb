import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A listening TCP socket on 127.0.0.1: binds, listens, and accepts with a timeout.
///
/// Loopback only: its one user is ``TCPRelay``, a test aid. (An address given as text went
/// through `inet_addr`, which turns a host name into 255.255.255.255; the operations endpoint,
/// which does take names, resolves them with `getaddrinfo` through SwiftNIO.)
///
/// Thread-safe: the descriptor is immutable and `closed` is exchanged once (acquiring and
/// releasing), so exactly one caller closes it; ``accept(timeoutMilliseconds:)`` after ``close()``
/// returns nil.
public final class TCPListener: Sendable {
    /// The port listened on (the kernel's choice when 0 was asked for).
    public let port: UInt16
    let descriptor: Int32
    private let closed = Atomic<Bool>(false)

    /// Binds 127.0.0.1:`port` (`port` 0: the kernel picks) and listens.
    ///
    /// - Throws: ``PlatformError`` with code `.socket` naming the failed call and the port.
    public init(loopbackPort port: UInt16, backlog: Int32 = 64) throws(PlatformError) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .socket("socket() for 127.0.0.1:\(port)", error: errno) }
        var one: Int32 = 1
        _ = unsafe setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = unsafe withUnsafeMutablePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe bind(fd, $0, length) == 0 && listen(fd, backlog) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard listening else {
            let code = errno
            Glibc.close(fd)
            throw .socket("cannot listen on 127.0.0.1:\(port)", error: code)
        }
        descriptor = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close() }

    /// Waits up to `timeoutMilliseconds` for a connection; nil when none came or the socket is closed.
    public func accept(timeoutMilliseconds: Int32) -> TCPConnection? {
        guard !closed.load(ordering: .acquiring) else { return nil }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard unsafe poll(&poller, 1, timeoutMilliseconds) > 0 else { return nil }
        let connection = Glibc.accept(descriptor, nil, nil)
        return connection >= 0 ? TCPConnection(descriptor: connection) : nil
    }

    /// Stops listening; safe to call more than once.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(descriptor)
    }
}

/// A connected TCP socket, closed once (on ``close()`` or `deinit`).
///
/// Meant for one thread at a time; `closed` is atomic only so that a close from `deinit` and an
/// explicit one cannot both reach the descriptor.
public final class TCPConnection: Sendable {
    let descriptor: Int32
    private let closed = Atomic<Bool>(false)

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Connects to `127.0.0.1:port`; nil when the connection is refused.
    public static func loopback(port: UInt16) -> TCPConnection? {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopbackAddress(port: port)
        let connected = unsafe withUnsafePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        return TCPConnection(descriptor: fd)
    }

    deinit { close() }

    /// Bounds every later receive and send to `seconds` (`SO_RCVTIMEO`, `SO_SNDTIMEO`).
    public func setTimeouts(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = unsafe setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        _ = unsafe setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    /// Receives what is available, at most `maxBytes`, appending to `buffer`. Returns false when
    /// the peer closed, the timeout passed or the socket failed.
    public func receive(into buffer: inout [UInt8], maxBytes: Int = 16_384) -> Bool {
        receiveChunk(into: &buffer, maxBytes: maxBytes) > 0
    }

    /// One `recv(2)` of at most `maxBytes`, appended to `buffer`; returns what `recv` returned
    /// (negative with `errno` set on failure, 0 when the peer closed).
    func receiveChunk(into buffer: inout [UInt8], maxBytes: Int = 16_384) -> Int {
        var chunk = [UInt8](repeating: 0, count: maxBytes)
        let count = unsafe chunk.withUnsafeMutableBytes { unsafe recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 { buffer.append(contentsOf: chunk[..<count]) }
        return count
    }

    /// Sends all of `bytes`; false when the peer went away or the timeout passed first.
    public func sendAll(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = unsafe bytes.withUnsafeBytes {
                unsafe send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// Closes the socket; safe to call more than once.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(descriptor)
    }
}

func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}
