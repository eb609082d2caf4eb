import Kafka
import Platform

extension Pipeline {
    /// How often the metrics thread pushes the pipeline's statistics to swift-metrics: often enough
    /// for a push backend's own interval, and each push replays at most a second of observations.
    static let metricsInterval = Duration.seconds(1)

    /// Pushes what the pipeline counted since the last push to its swift-metrics factory now (the
    /// metrics thread does it every second; a Prometheus scrape calls it for current figures).
    /// Nothing to do with swift-metrics' no-op factory.
    public func flushMetrics() {
        guard metrics.isReporting else { return }
        metrics.flush { metricsReading() }
    }

    /// Starts the thread that flushes every ``metricsInterval``; none when nothing would receive
    /// the metrics.
    func startMetricsThread() throws(ServiceError) {
        guard metrics.isReporting else { return }
        do {
            try metricsThread.start(name: "metrics") { [self] in
                var next = MonotonicDeadline.after(Self.metricsInterval)
                while !metricsThread.isStopping {
                    // Short naps, so that stop() does not wait out a whole interval.
                    sleepThread(for: .milliseconds(20))
                    guard next.hasPassed else { continue }
                    flushMetrics()
                    next = MonotonicDeadline.after(Self.metricsInterval)
                }
            }
        } catch {
            throw .startup("cannot start the metrics thread: \(error)")
        }
    }

    private func metricsReading() -> PipelineReading {
        PipelineReading(
            counts: counters.snapshot,
            rebalances: rebalances,
            ringDepth: ringDepth,
            inFlight: inFlight,
            inFlightBytes: heldBytes,
            partitionsPausedInFlight: partitionsPausedByInFlightLimit.count,
            assignedPartitions: assignment().count,
            consumerLag: Dictionary(
                partitionStatistics.map { (TopicPartition(topic: $0.topic, partition: $0.partition), $0.consumerLag) },
                uniquingKeysWith: max
            ),
            brokersUp: brokersUp,
            batchTargetSize: batchTarget.current,
            latencyWindowP99: batchTarget.lastWindowP99,
            latency: latency.snapshot(),
            batchSeconds: scoringTimes.snapshot(),
            batchSizes: batchSizes.snapshot()
        )
    }
}
