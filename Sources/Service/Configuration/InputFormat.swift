/// How `serve` reads message values (docs/CONTRACT.md, "Input message value").
public enum InputFormat: String, Sendable, CaseIterable {
    /// By the first byte: 0 is an Avro record in the Confluent wire format, `{` a JSON object,
    /// anything else an access-log line.
    case auto
    /// JSON objects only.
    case json
    /// Combined or Common Log Format lines only.
    case clf
    /// Avro records only: in the Confluent wire format with a schema registry, or bare with
    /// `avro-schema`.
    case avro
}

/// How `serve` writes predictions (docs/CONTRACT.md, "Output (prediction) message").
public enum OutputFormat: String, Sendable, CaseIterable {
    /// One JSON object per prediction.
    case json
    /// The prediction schema's Avro record in the Confluent wire format.
    case avro
}
