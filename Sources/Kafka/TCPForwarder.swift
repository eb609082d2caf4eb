#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Relays TCP connections accepted on a loopback port to a fixed target, on one thread.
///
/// The embedded broker uses it to answer on a well-known port (9092) although librdkafka's mock
/// brokers listen on ports the kernel picks. Only bootstrap traffic crosses it: Kafka clients
/// then connect to the brokers the metadata names. One `poll(2)` loop serves every connection;
/// each direction buffers at most 64 KiB and stops reading while its buffer is full.
@safe final class TCPForwarder: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let targetPort: UInt16
    /// Set by `stop()`, read by the relay loop at least every 100 ms.
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    init(listenPort: UInt16, target: String) throws(KafkaError) {
        guard let colon = target.lastIndex(of: ":"), let targetPort = UInt16(target[target.index(after: colon)...])
        else { throw .mockCluster("cannot forward to '\(target)': not HOST:PORT") }
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .mockCluster("socket(): \(Self.errnoText())") }
        var on: Int32 = 1
        unsafe setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: listenPort)
        let bound = unsafe withUnsafePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw .mockCluster("cannot listen on 127.0.0.1:\(listenPort): \(text)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = unsafe withUnsafeMutablePointer(to: &actual) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        let context = unsafe Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = unsafe pthread_create(&thread, nil, { argument in
            let forwarder = unsafe Unmanaged<TCPForwarder>.fromOpaque(argument!).takeRetainedValue()
            forwarder.run()
            return nil
        }, context)
        guard created == 0 else {
            unsafe Unmanaged<TCPForwarder>.fromOpaque(context).release()
            close(fd)
            throw .mockCluster("cannot start the forwarder thread")
        }
        self.thread = thread
    }

    /// Stops accepting and relaying and waits for the relay thread to end.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let thread { pthread_join(thread, nil) }
    }

    private struct Pipe {
        var client: Int32
        var server: Int32
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        var open = true
    }

    private func run() {
        var pipes: [Pipe] = []
        var descriptors: [pollfd] = []
        while !stopping.load(ordering: .acquiring) {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
            for pipe in pipes {
                descriptors.append(pollfd(fd: pipe.client, events: Self.events(read: pipe.toServer.count < 65_536, write: !pipe.toClient.isEmpty), revents: 0))
                descriptors.append(pollfd(fd: pipe.server, events: Self.events(read: pipe.toClient.count < 65_536, write: !pipe.toServer.isEmpty), revents: 0))
            }
            guard unsafe poll(&descriptors, nfds_t(descriptors.count), 100) > 0 else { continue }
            for index in pipes.indices {
                let clientEvents = descriptors[1 + 2 * index].revents
                let serverEvents = descriptors[2 + 2 * index].revents
                Self.relay(&pipes[index], clientEvents: clientEvents, serverEvents: serverEvents)
            }
            for pipe in pipes where !pipe.open {
                close(pipe.client)
                close(pipe.server)
            }
            pipes.removeAll { !$0.open }
            if descriptors[0].revents & Int16(POLLIN) != 0, let pipe = accept() {
                pipes.append(pipe)
            }
        }
        for pipe in pipes {
            close(pipe.client)
            close(pipe.server)
        }
        close(listener)
    }

    private func accept() -> Pipe? {
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else { return nil }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: targetPort)
        let connected = unsafe withUnsafePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard server >= 0, connected == 0 else {
            close(client)
            if server >= 0 { close(server) }
            return nil
        }
        return Pipe(client: client, server: server)
    }

    private static func relay(_ pipe: inout Pipe, clientEvents: Int16, serverEvents: Int16) {
        let hangup = Int16(POLLHUP | POLLERR)
        if clientEvents & Int16(POLLIN) != 0 { pipe.open = pipe.open && read(pipe.client, into: &pipe.toServer) }
        if serverEvents & Int16(POLLIN) != 0 { pipe.open = pipe.open && read(pipe.server, into: &pipe.toClient) }
        if serverEvents & Int16(POLLOUT) != 0 { pipe.open = pipe.open && write(pipe.server, from: &pipe.toServer) }
        if clientEvents & Int16(POLLOUT) != 0 { pipe.open = pipe.open && write(pipe.client, from: &pipe.toClient) }
        if (clientEvents | serverEvents) & hangup != 0 && clientEvents & Int16(POLLIN) == 0
            && serverEvents & Int16(POLLIN) == 0
        {
            pipe.open = false
        }
    }

    /// Reads what is available; false when the peer closed or the socket failed.
    private static func read(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = unsafe chunk.withUnsafeMutableBytes { unsafe Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return count < 0 && (errno == EAGAIN || errno == EINTR) }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    private static func write(_ fd: Int32, from buffer: inout [UInt8]) -> Bool {
        let count = unsafe buffer.withUnsafeBytes { unsafe send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard count >= 0 else { return errno == EAGAIN || errno == EINTR }
        buffer.removeFirst(count)
        return true
    }

    private static func events(read: Bool, write: Bool) -> Int16 {
        (read ? Int16(POLLIN) : 0) | (write ? Int16(POLLOUT) : 0)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func errnoText() -> String { unsafe String(cString: strerror(errno)) }
}
