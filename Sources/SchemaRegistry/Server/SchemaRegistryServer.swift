import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An in-memory schema registry for development, tests and demos: the part of Confluent Schema
/// Registry's REST API that its clients use, Avro only, with NONE or BACKWARD compatibility.
///
/// Like the embedded broker: data lives in memory and is gone when it stops; no authentication,
/// no TLS. Production points `serve --schema-registry` at the operator's own registry.
///
/// SwiftNIO on one event-loop thread, as ``OperationsServer`` in Service: one request per
/// connection (`Connection: close`), bodies over ``maxRequestBytes`` refused with 413, a
/// connection that has not sent its request within 10 s closed.
///
/// Thread-safe: the contents are a ``RegistryStore`` (its own `Mutex`); the running server (event
/// loop group and channel) is in a `Mutex` of its own, taken by ``start()``, ``stop()`` and the
/// accessors.
public final class SchemaRegistryServer: Sendable {
    /// The compatibility levels this registry checks (Confluent has more; they are refused with 422).
    public enum Compatibility: String, Sendable {
        /// Any schema may follow any other.
        case none = "NONE"
        /// A new schema must read data written with the subject's latest one.
        case backward = "BACKWARD"
    }

    /// Largest request body accepted; Confluent's clients send one schema per request.
    public static let maxRequestBytes = 1 << 20

    public let host: String
    public let requestedPort: Int
    /// The contents and the REST API over them; connections hold it, not the server, so dropping
    /// the server stops it.
    package let store: RegistryStore
    private let running = Mutex<Running?>(nil)
    /// The port of the last start, so a restart after ``stop()`` serves the same address (an
    /// outage that ends, as tests of clients need); written and read under `running`'s lock.
    private let lastPort = Atomic<Int>(0)

    private struct Running {
        let group: MultiThreadedEventLoopGroup
        let channel: any Channel
        let port: Int
    }

    /// A registry to serve on `host`:`port` (0: the kernel picks) once started, checking
    /// `compatibility` unless a subject sets its own.
    public init(host: String = "127.0.0.1", port: Int, compatibility: Compatibility = .backward) {
        self.host = host
        requestedPort = port
        store = RegistryStore(compatibility: compatibility)
    }

    deinit { stop() }

    /// Listens and serves on a thread of its own; the port bound. Starting a started server
    /// returns its port; starting a stopped one listens on the port it had.
    ///
    /// - Throws: ``SchemaRegistryError`` `.configuration` when the address cannot be bound.
    @discardableResult
    public func start() throws(SchemaRegistryError) -> Int {
        try running.withLock { running throws(SchemaRegistryError) -> Int in
            if let running { return running.port }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [store] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(
                            SchemaRegistryHTTPHandler(store: store, requestTimeout: .seconds(10))
                        )
                    }
                }
            let channel: any Channel
            do {
                let previous = lastPort.load(ordering: .relaxed)
                channel = try bootstrap.bind(host: host, port: requestedPort == 0 ? previous : requestedPort).wait()
            } catch {
                try? group.syncShutdownGracefully()
                throw .configuration("schema registry: cannot listen on \(host):\(requestedPort): \(error)")
            }
            let port = channel.localAddress?.port ?? requestedPort
            lastPort.store(port, ordering: .relaxed)
            running = Running(group: group, channel: channel, port: port)
            return port
        }
    }

    /// The port listened on, or nil when not running.
    public var port: Int? { running.withLock { $0?.port } }

    /// `http://HOST:PORT` while running (IPv6 hosts in brackets), else nil.
    public var url: String? {
        guard let port else { return nil }
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Stops serving: closes the socket and every connection and ends the thread. The contents
    /// stay; ``start()`` serves them again.
    public func stop() {
        guard
            let stopped = running.withLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        try? stopped.channel.close().wait()
        try? stopped.group.syncShutdownGracefully()
    }
}
