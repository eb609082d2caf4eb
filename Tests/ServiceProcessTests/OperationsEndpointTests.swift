import Foundation
import Kafka
import Service
import TestSupport
import Testing

/// `serve --metrics-port`: Prometheus metrics, liveness and readiness over a real socket.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OperationsEndpointTests {
    /// `GET path` on 127.0.0.1:`port`: the status code and the body, or nil when nothing answers.
    static func get(_ path: String, port: UInt16) -> (status: Int, body: String)? {
        TestSocket.request(path, port: port)
    }

    /// The value of the first sample of `name` (with `labels`, if given) in an exposition text.
    static func sample(_ name: String, labels: String = "", in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + labels + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    @Test func beforeTheBrokerIsReachableTheServiceIsAliveButNotReady() throws {
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        configuration.model = try TestModel.write()
        let port = try FaultScenarioTests.freePort()
        let service = try ServiceProcess(configuration, extra: ["--metrics-port", String(port)])
        #expect(
            eventually(seconds: 20) { Self.get("/healthz", port: port)?.status == 200 },
            "\(service.log.suffix(2_000))"
        )
        let ready = Self.get("/readyz", port: port)
        #expect(
            ready?.status == 503 && ready?.body.contains("waiting for the broker") == true,
            "\(String(describing: ready))"
        )
        #expect(Self.get("/nowhere", port: port)?.status == 404)
        service.kill9()
    }

    @Test func metricsCountWhatTheServiceDidAndReadinessFollowsTheAssignment() throws {
        let count = 2_000
        let (fixture, log) = try PipelineFixture.preloaded(count)
        let port = try FaultScenarioTests.freePort()
        let service = try ServiceProcess(fixture.configuration, extra: ["--metrics-port", String(port)])
        #expect(
            eventually(seconds: 60) { Self.get("/readyz", port: port)?.status == 200 },
            "\(service.log.suffix(2_000))"
        )
        let answered = log.wait(for: count)
        #expect(answered.count == count)
        // Lag per partition arrives with librdkafka's statistics, every 5 s.
        var text = ""
        #expect(
            eventually(seconds: 20) {
                text = Self.get("/metrics", port: port)?.body ?? ""
                return text.contains("anomaly_consumer_lag{topic=\"\(fixture.configuration.input)\",partition=\"0\"}")
            },
            "\(text)"
        )
        let dead = Double((0..<count).filter { $0 % 97 == 0 }.count)
        #expect(Self.sample("anomaly_consumed_total", in: text) == Double(count))
        #expect(Self.sample("anomaly_predicted_total", in: text) == Double(count) - dead)
        #expect(Self.sample("anomaly_dead_lettered_total", in: text) == dead)
        #expect(Self.sample("anomaly_acknowledged_total", in: text) == Double(count))
        #expect(Self.sample("anomaly_assigned_partitions", in: text) == 4)
        #expect(
            Self.sample("anomaly_model_info", labels: #"{name="service-test",version="1",kernel="rbf"}"#, in: text) == 1
        )
        #expect((Self.sample("anomaly_batch_seconds_count", in: text) ?? 0) > 0)
        #expect(
            Self.sample("anomaly_batch_size_bucket", labels: #"{le="+Inf"}"#, in: text)
                == Self.sample("anomaly_batch_seconds_count", in: text)
        )
        #expect(Self.sample("anomaly_latency_seconds_count", in: text) == Double(count))
        // Histograms through swift-metrics, bootstrapped by `serve`: whole, with exact sums.
        let exposition = PrometheusText(text)
        #expect(exposition.isWellFormedHistogram("anomaly_latency_seconds"), "\(text)")
        #expect((exposition.value("anomaly_latency_seconds_sum") ?? 0) > 0)
        #expect(exposition.value("anomaly_batch_size_sum") == Double(count))
        #expect(exposition.value("anomaly_model_reloads_total") == 0)
        for partition in 0..<4 {
            #expect(
                Self.sample(
                    "anomaly_consumer_lag",
                    labels: "{topic=\"\(fixture.configuration.input)\",partition=\"\(partition)\"}",
                    in: text
                ) == 0
            )
        }
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
    }

    @Test func jsonLogsAreOneObjectPerLine() throws {
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"
        configuration.model = try TestModel.write()
        let service = try ServiceProcess(configuration, extra: ["--log-format", "json"])
        #expect(eventually(seconds: 20) { service.log.contains("waiting for broker") }, "\(service.log.suffix(2_000))")
        service.kill9()
        let lines = service.log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 2)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["ts"] is String, "\(line)")
        }
        #expect(lines.contains { $0.contains(#""level":"warning""#) && $0.contains("waiting for broker") })
    }
}
