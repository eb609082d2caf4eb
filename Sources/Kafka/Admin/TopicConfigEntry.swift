/// One config of a topic as the broker describes it (DescribeConfigs).
public struct TopicConfigEntry: Sendable, Equatable {
    public var name: String
    /// nil for a sensitive config (the broker never sends its value) or an unset one.
    public var value: String?
    /// Where the value comes from, in librdkafka's words: `DYNAMIC_TOPIC_CONFIG` (set on the
    /// topic), `STATIC_BROKER_CONFIG` (the broker's file), `DEFAULT_CONFIG`, ...
    public var source: String
    public var isDefault: Bool
    public var isReadOnly: Bool
    public var isSensitive: Bool

    public init(
        name: String,
        value: String?,
        source: String,
        isDefault: Bool,
        isReadOnly: Bool = false,
        isSensitive: Bool = false
    ) {
        self.name = name
        self.value = value
        self.source = source
        self.isDefault = isDefault
        self.isReadOnly = isReadOnly
        self.isSensitive = isSensitive
    }
}
