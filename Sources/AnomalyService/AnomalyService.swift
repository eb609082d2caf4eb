import ArgumentParser
import Kafka

/// The `anomaly-service` executable: one binary, one subcommand per job an operator scripts.
@main
struct AnomalyService: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomaly-service",
        abstract: "Real-time SVM anomaly detection for web requests streamed through Kafka.",
        discussion: """
            Requests (JSON objects or Combined Log Format lines) are consumed from a Kafka topic, \
            featurised and scored by an SVM in BLAS micro-batches, and answered with one prediction per \
            request on an output topic. Unparseable input goes to a dead-letter topic.
            """,
        version: "anomaly-service \(AnomalyService.version) (librdkafka \(librdkafkaVersion))",
        subcommands: [
            BrokerCommand.self, ServeCommand.self, DemoCommand.self,
            FeaturizeCommand.self, ScoreCommand.self, TopicsCommand.self,
        ]
    )

    /// The release, as `--version` prints it; bumped with each release's notes in README.md.
    static let version = "0.16.0"
}
