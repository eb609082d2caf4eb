#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Relays TCP connections accepted on a loopback port to a fixed loopback target, on one thread.
///
/// The embedded Kafka broker uses it to answer on a well-known port (9092) although librdkafka's
/// mock brokers listen on ports the kernel picks. Only bootstrap traffic crosses it: Kafka clients
/// then connect to the brokers the metadata names. One `poll(2)` loop serves every connection;
/// each direction buffers at most 64 KiB and stops reading while its buffer is full.
public final class TCPRelay: Sendable {
    /// The port the relay accepts on.
    public var port: UInt16 { listener.port }
    private let listener: TCPListener
    private let targetPort: UInt16
    private let thread = StoppableThread()

    /// Listens on `127.0.0.1:listenPort` and relays each connection to `127.0.0.1:targetPort`.
    ///
    /// - Throws: ``PlatformError`` when the port cannot be listened on or the thread not started.
    public init(listenPort: UInt16, targetPort: UInt16) throws(PlatformError) {
        listener = try TCPListener(loopbackPort: listenPort)
        self.targetPort = targetPort
        try thread.start(name: "tcp-relay") { [self] in run() }
    }

    /// Stops accepting and relaying and waits for the relay thread to end.
    public func stop() {
        thread.stop()
        listener.close()
    }

    private struct Pipe {
        var client: TCPConnection
        var server: TCPConnection
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        var open = true
    }

    /// The relay loop; it stops within 100 ms of ``stop()``.
    private func run() {
        var pipes: [Pipe] = []
        var descriptors: [pollfd] = []
        while !thread.isStopping {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
            for pipe in pipes {
                let toClient = Self.events(read: pipe.toServer.count < 65_536, write: !pipe.toClient.isEmpty)
                let toServer = Self.events(read: pipe.toClient.count < 65_536, write: !pipe.toServer.isEmpty)
                descriptors.append(pollfd(fd: pipe.client.descriptor, events: toClient, revents: 0))
                descriptors.append(pollfd(fd: pipe.server.descriptor, events: toServer, revents: 0))
            }
            guard unsafe poll(&descriptors, nfds_t(descriptors.count), 100) > 0 else { continue }
            for index in pipes.indices {
                let clientEvents = descriptors[1 + 2 * index].revents
                let serverEvents = descriptors[2 + 2 * index].revents
                Self.relay(&pipes[index], clientEvents: clientEvents, serverEvents: serverEvents)
            }
            pipes.removeAll { !$0.open }  // their connections close as they are released
            if descriptors[0].revents & Int16(POLLIN) != 0, let client = listener.accept(timeoutMilliseconds: 0),
                let server = TCPConnection.loopback(port: targetPort)
            {
                pipes.append(Pipe(client: client, server: server))
            }
        }
    }

    private static func relay(_ pipe: inout Pipe, clientEvents: Int16, serverEvents: Int16) {
        let hangup = Int16(POLLHUP | POLLERR)
        if clientEvents & Int16(POLLIN) != 0 { pipe.open = pipe.open && pipe.client.receiveSome(into: &pipe.toServer) }
        if serverEvents & Int16(POLLIN) != 0 { pipe.open = pipe.open && pipe.server.receiveSome(into: &pipe.toClient) }
        if serverEvents & Int16(POLLOUT) != 0 { pipe.open = pipe.open && pipe.server.sendSome(from: &pipe.toServer) }
        if clientEvents & Int16(POLLOUT) != 0 { pipe.open = pipe.open && pipe.client.sendSome(from: &pipe.toClient) }
        if (clientEvents | serverEvents) & hangup != 0 && clientEvents & Int16(POLLIN) == 0
            && serverEvents & Int16(POLLIN) == 0
        {
            pipe.open = false
        }
    }

    private static func events(read: Bool, write: Bool) -> Int16 {
        (read ? Int16(POLLIN) : 0) | (write ? Int16(POLLOUT) : 0)
    }
}

extension TCPConnection {
    /// Reads what is available into `buffer`; false when the peer closed or the socket failed
    /// (an interrupted or would-block read leaves it open).
    fileprivate func receiveSome(into buffer: inout [UInt8]) -> Bool {
        let count = receiveChunk(into: &buffer)
        return count > 0 || (count < 0 && (errno == EAGAIN || errno == EINTR))
    }

    /// Sends what the socket takes now and drops it from `buffer`; false when the socket failed.
    fileprivate func sendSome(from buffer: inout [UInt8]) -> Bool {
        let count = unsafe buffer.withUnsafeBytes {
            unsafe send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        guard count >= 0 else { return errno == EAGAIN || errno == EINTR }
        buffer.removeFirst(count)
        return true
    }
}
