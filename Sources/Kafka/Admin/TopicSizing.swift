/// Partitions and retention for a topic, suggested from the load it must carry.
///
/// The rule, in order:
/// 1. **Throughput.** A partition should carry at most ``partitionBudgetBytesPerSecond`` (2 MiB/s):
///    about a fifth of the 10 MB/s that one partition of a replicated topic sustains on ordinary
///    brokers, so that bursts, a backlog read at several times the live rate after an outage, and
///    replication all fit. So at least ⌈bytes per second ÷ 2 MiB/s⌉ partitions.
/// 2. **Scale-out.** A partition feeds one member of a consumer group at a time, so a group can
///    use at most as many consumers as there are partitions: at least `maxConsumers` partitions.
/// 3. **Even shares.** The larger of the two, rounded up to a multiple of `maxConsumers`, so the
///    largest group splits the partitions evenly.
///
/// Retention: `retention.ms` is the retention time; `retention.bytes`, which Kafka counts per
/// partition, is ``retentionHeadroom`` (2) times what one partition receives over that time at
/// the expected rate. At that rate the time limit deletes first; the size cap only bites when a
/// partition receives more than twice its share (a hot key, a rate above the plan), and it bounds
/// the disk to twice the plan. Kafka deletes whole segments (`segment.bytes`, 1 GiB by default),
/// so a partition may hold up to one segment more than either limit.
public struct TopicSizing: Sendable, Equatable {
    /// The load a topic must carry.
    public struct Load: Sendable, Equatable {
        /// Expected peak records per second; nil when unknown (partitions then follow
        /// `maxConsumers` alone and no size cap is suggested).
        public var recordsPerSecond: Double?
        /// Average record size (key, value and headers).
        public var recordBytes: Int
        /// How long records are kept; nil for ``defaultRetentionHours`` when a rate is known, and
        /// the broker's own default otherwise.
        public var retentionHours: Double?
        /// The most consumers the group should be able to spread over.
        public var maxConsumers: Int

        public init(recordsPerSecond: Double?, recordBytes: Int, retentionHours: Double?, maxConsumers: Int) {
            self.recordsPerSecond = recordsPerSecond
            self.recordBytes = recordBytes
            self.retentionHours = retentionHours
            self.maxConsumers = maxConsumers
        }
    }

    /// The most bytes per second the sizing puts on one partition.
    public static let partitionBudgetBytesPerSecond: Double = 2 * 1_048_576
    /// How many times the expected volume `retention.bytes` allows.
    public static let retentionHeadroom: Double = 2
    /// Kafka's own default retention (`log.retention.hours`), assumed when a rate is given without
    /// a retention time so that the size cap and the time limit agree.
    public static let defaultRetentionHours: Double = 168

    public let load: Load
    /// Expected bytes per second, when the rate is known.
    public let bytesPerSecond: Double?
    /// ⌈bytes per second ÷ ``partitionBudgetBytesPerSecond``⌉, when the rate is known.
    public let partitionsForThroughput: Int?
    /// What the rule suggests.
    public let suggestedPartitions: Int
    /// What will be created: the caller's count if it gave one, else the suggestion.
    public let partitions: Int
    /// The retention time that will be set, if any.
    public let retentionHours: Double?
    /// `retention.bytes` for each partition, when the rate is known.
    public let retentionBytesPerPartition: Int64?

    /// Sizes a topic for `load`; `partitions` overrides the suggested count (the suggestion is
    /// still computed, to compare).
    public init(_ load: Load, partitions explicitPartitions: Int? = nil) {
        precondition(load.maxConsumers >= 1 && load.recordBytes >= 1, "sizing needs a consumer and a record size")
        self.load = load
        let bytesPerSecond = load.recordsPerSecond.map { $0 * Double(load.recordBytes) }
        self.bytesPerSecond = bytesPerSecond
        partitionsForThroughput = bytesPerSecond.map {
            max(1, Int((($0 / Self.partitionBudgetBytesPerSecond)).rounded(.up)))
        }
        let floor = max(partitionsForThroughput ?? 1, load.maxConsumers)
        suggestedPartitions = (floor + load.maxConsumers - 1) / load.maxConsumers * load.maxConsumers
        partitions = explicitPartitions ?? suggestedPartitions
        retentionHours = load.retentionHours ?? (bytesPerSecond == nil ? nil : Self.defaultRetentionHours)
        if let bytesPerSecond, let retentionHours {
            let perPartition = Self.retentionHeadroom * bytesPerSecond * retentionHours * 3_600 / Double(partitions)
            retentionBytesPerPartition = Int64(perPartition.rounded(.up))
        } else {
            retentionBytesPerPartition = nil
        }
    }

    /// `retention.ms` for ``retentionHours``.
    public var retentionMilliseconds: Int64? {
        retentionHours.map { Int64(($0 * 3_600_000).rounded()) }
    }

    /// The topic configs the sizing sets: `retention.ms` and `retention.bytes` where known.
    public var configs: [NewTopic.Config] {
        var configs: [NewTopic.Config] = []
        if let retentionMilliseconds {
            configs.append(.init(key: "retention.ms", value: String(retentionMilliseconds)))
        }
        if let retentionBytesPerPartition {
            configs.append(.init(key: "retention.bytes", value: String(retentionBytesPerPartition)))
        }
        return configs
    }
}
