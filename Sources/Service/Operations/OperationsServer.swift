import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The operator's HTTP endpoint (`serve --metrics-port`): `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (200 when ready, 503 with the reasons).
///
/// SwiftNIO on one event-loop thread: every connection is multiplexed on it, so a slow or idle
/// client never delays another. One request per connection (`Connection: close`); a connection
/// that has not sent its whole request within ``Limits/requestSeconds`` is closed (a slowloris
/// client is dropped, however steadily it trickles), and beyond ``Limits/maxConnections`` open
/// connections a new one is closed at once. The hand-written single-threaded server this replaces
/// served one connection at a time: one client sending a byte every 1.5 s held every probe
/// (docs/RELIABILITY.md, section 12, and why NIO rather than a smaller server: docs/OPERATIONS.md).
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

    /// Bounds on what clients may hold.
    public struct Limits: Sendable {
        /// Open connections at most; one more is closed as soon as it is accepted.
        public var maxConnections = 64
        /// Time from accepting a connection to having read its whole request.
        public var requestSeconds: Int64 = 2

        public init(maxConnections: Int = 64, requestSeconds: Int64 = 2) {
            self.maxConnections = maxConnections
            self.requestSeconds = requestSeconds
        }
    }

    /// The port listened on (the kernel's choice when 0 was asked for).
    public let port: UInt16
    /// The address listened on, `127.0.0.1:9464` or `[::1]:9464`.
    public let address: String
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let stopped = Atomic<Bool>(false)

    /// Resolves `host` (getaddrinfo: a name, an IPv4 or an IPv6 address; the first answer is
    /// bound), listens on it and `port` (0: the kernel picks; see ``port``), and serves on a
    /// thread of its own.
    ///
    /// - Throws: ``ServiceError`` `.startup` when the host does not resolve or the address cannot
    ///   be bound.
    public init(
        host: String = "127.0.0.1",
        port: UInt16,
        limits: Limits = Limits(),
        content: Content,
        logger: Logger
    ) throws(ServiceError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionCount(limit: limits.maxConnections)
        let timeout = TimeAmount.seconds(limits.requestSeconds)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard connections.admit() else {
                    logger.debug("metrics endpoint: \(limits.maxConnections) connections open, one more refused")
                    return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
                }
                channel.closeFuture.whenComplete { _ in connections.release() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        OperationsHTTPHandler(content: content, requestTimeout: timeout)
                    )
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: Int(port)).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .startup("metrics endpoint: cannot listen on \(host):\(port): \(error)")
        }
        self.group = group
        let local = channel.localAddress
        self.port = UInt16(local?.port ?? Int(port))
        let ip = local?.ipAddress ?? host
        address = local?.protocol == .inet6 ? "[\(ip)]:\(self.port)" : "\(ip):\(self.port)"
    }

    /// Stops serving: closes the socket and every connection and ends the thread.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    deinit { stop() }
}

/// Open connections against a limit, counted from the event loop's accept path and each
/// connection's close.
///
/// Relaxed ordering: the count guards no other memory; it only has to be exact, and atomic
/// read-modify-writes are.
private final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts one more connection; false (and not counted) when the limit is reached.
    func admit() -> Bool {
        guard open.wrappingAdd(1, ordering: .relaxed).newValue > limit else { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}
