import ArgumentParser
import FoundationEssentials
import Glibc
import Kafka
import Platform
import Service
import Synchronization

/// `anomaly-service topics`: create and describe the service's topics on a real cluster.
struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create or describe the service's Kafka topics (requests, predictions, requests.dlq).",
        discussion: """
            Uses Kafka's admin requests (CreateTopics, DescribeConfigs) and metadata, with the flags \
            kafka-topics.sh uses. The embedded broker (`anomaly-service broker`, librdkafka's mock \
            cluster) answers metadata but no admin requests: `describe` shows its partitions, leaders \
            and replicas without configs, and `create` reports its existing topics but cannot create \
            new ones (give them to `broker --topics` instead).
            """,
        subcommands: [TopicsCreateCommand.self, TopicsDescribeCommand.self]
    )
}

/// Where the cluster is and how to reach it: shared by `topics create` and `topics describe`.
struct ClusterOptions: ParsableArguments {
    @Option(
        name: [.customLong("bootstrap-server"), .customLong("brokers"), .customShort("b")],
        help: "Bootstrap servers, HOST:PORT[,HOST:PORT...]."
    )
    var bootstrapServer: String?

    @Option(
        name: .customLong("topic"),
        help: "A topic (repeatable, or comma-separated; default: requests, predictions, requests.dlq)."
    )
    var topicArguments: [String] = []

    @Option(
        help: """
            librdkafka property key=value for the admin client, e.g. security settings (repeatable; \
            also read from ANOMALY_KAFKA_<NAME> variables, as serve reads them).
            """
    )
    var kafka: [String] = []

    @Option(help: "Seconds to wait for each answer from the cluster.")
    var timeout: Double = 15

    /// The service's own topics, `serve`'s defaults.
    static let serviceTopics = ["requests", "predictions", "requests.dlq"]

    var topics: [String] {
        let named = topicArguments.flatMap { $0.split(separator: ",") }.map(String.init).filter { !$0.isEmpty }
        var seen = Set<String>()
        return (named.isEmpty ? Self.serviceTopics : named).filter { seen.insert($0).inserted }
    }

    var timeoutMilliseconds: Int32 { Int32(min(timeout * 1_000, Double(Int32.max - 2_000))) }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
        if let bootstrapServer, bootstrapServer.isEmpty {
            throw ValidationError("--bootstrap-server is empty")
        }
        for topic in topics where !NewTopic.isLegalName(topic) {
            throw ValidationError(
                "topic name '\(topic.escapedForLog)' is not legal in Kafka: use 1 to 249 of a-z A-Z 0-9 . _ -"
            )
        }
    }

    /// An admin client for `bootstrapServers`; `errors` collects what librdkafka reports on its own
    /// (refused connections, failed authentication), since a timed-out request says only that.
    /// An admin client for `bootstrap` and the cluster's metadata, or exit status 1 after one
    /// sentence saying why not (the client's first errors included).
    func connect(to bootstrap: String) throws -> (KafkaAdmin, ClusterMetadata, ClientErrorRecorder) {
        let clientErrors = ClientErrorRecorder()
        let admin: KafkaAdmin
        do {
            admin = try makeAdmin(bootstrapServers: bootstrap, errors: clientErrors)
        } catch {
            printError("Could not set up a client for \(bootstrap): \(clientSetUpFailure(error))")
            throw ExitCode(1)
        }
        do {
            return (admin, try admin.metadata(timeoutMilliseconds: timeoutMilliseconds), clientErrors)
        } catch {
            printError(
                "Could not reach the cluster at \(bootstrap): \(error.reason.escapedForLog)\(clientErrors.suffix)."
            )
            throw ExitCode(1)
        }
    }

    func makeAdmin(bootstrapServers: String, errors: ClientErrorRecorder) throws -> KafkaAdmin {
        var configuration = KafkaConfiguration(["bootstrap.servers": bootstrapServers])
        try configuration.apply(overrides: try Self.environmentProperties() + kafka)
        // Quiet: librdkafka's retry chatter would bury the one sentence that says what failed.
        let events = KafkaEventHandlers(log: nil, error: { error, _ in errors.record(error.reason) })
        return try KafkaAdmin(configuration: configuration, events: events)
    }
}

extension ClusterOptions {
    /// The `ANOMALY_KAFKA_<NAME>` properties meant for every client, read as `serve` reads them, so
    /// a password need not be on the command line, where `ps` shows it. `--kafka` flags win.
    static func environmentProperties() throws(ServiceError) -> [String] {
        // Only these: an unrelated bad ANOMALY_* setting is serve's business, not this command's.
        let variables = ProcessInfo.processInfo.environment.filter { variable, _ in
            variable.hasPrefix("ANOMALY_KAFKA_") && !variable.hasPrefix("ANOMALY_KAFKA_CONSUMER_")
                && !variable.hasPrefix("ANOMALY_KAFKA_PRODUCER_")
        }
        var configuration = ServiceConfiguration()
        try configuration.apply(environment: variables)
        return configuration.kafka
    }
}

/// The first client-level errors librdkafka reported, to explain a request that timed out. The
/// first say why (a refused connection, failed authentication); later ones mostly repeat them or
/// summarise ("1/1 brokers are down"), so only the first two distinct ones are kept.
final class ClientErrorRecorder: Sendable {
    private let reasons = Mutex<[String]>([])

    func record(_ reason: String) {
        reasons.withLock { reasons in
            if reasons.count < 2 && !reason.isEmpty && !reasons.contains(reason) { reasons.append(reason) }
        }
    }

    /// " (errors from the client: ...)", or nothing.
    var suffix: String {
        let reasons = reasons.withLock { $0 }
        guard !reasons.isEmpty else { return "" }
        return " (errors from the client: \(reasons.map(\.escapedForLog).joined(separator: "; ")))"
    }
}

extension KafkaError {
    /// This error as the end of a sentence: the reason in the broker's or librdkafka's words, a
    /// hint when the cluster is librdkafka's mock cluster, no Swift type names.
    func sentence(cluster: ClusterMetadata?) -> String {
        var text = reason.escapedForLog
        if !text.hasSuffix(".") { text += "." }
        if code == .unsupportedByBroker, cluster?.isMockCluster ?? false {
            text += """
                 This is librdkafka's mock cluster (`anomaly-service broker`), which answers no admin \
                requests: give it its topics at start with `broker --topics NAMES --partitions N`.
                """
        }
        return text
    }
}

/// Why the admin client could not be made, as a sentence: a refused librdkafka property (named,
/// its value not shown when it may be secret) or a malformed ANOMALY_KAFKA_ variable.
func clientSetUpFailure(_ error: any Error) -> String {
    switch error {
    case let error as KafkaError: error.sentence(cluster: nil)
    case let error as ServiceError: error.reason.escapedForLog + "."
    default: String(describing: error).escapedForLog + "."
    }
}

extension ClusterMetadata {
    /// librdkafka's mock cluster names itself `mockCluster` followed by hex digits.
    var isMockCluster: Bool { clusterID?.hasPrefix("mockCluster") ?? false }

    /// "cluster ID (N brokers: 1 at host:port, ...; controller C)".
    var summary: String {
        let list = brokers.map { "\($0.id) at \($0.host):\($0.port)" }.joined(separator: ", ")
        let count = brokers.count == 1 ? "1 broker" : "\(brokers.count) brokers"
        let controller =
            switch controllerID {
            case .none: "no controller named"
            case .some(let id) where hasReachableController: "controller \(id)"
            case .some(let id): "controller \(id), not one of its brokers: no admin requests"
            }
        return "cluster \(clusterID?.escapedForLog ?? "(no id)") (\(count): \(list); \(controller))"
    }
}

/// Writes `text` and a newline to standard error, after what was printed so far: standard output
/// is block-buffered in a pipe or file, so without the flush an error would land before the plan
/// it is about.
func printError(_ text: String) {
    fflush(nil)  // all streams: stdout is a C global, not concurrency-safe to name
    writeToStandardError(text + "\n")
}
