import Foundation
import Kafka
import KafkaTestSupport
import Service
import Testing

@Suite(.timeLimit(.minutes(2)))
struct RouteThresholdTests {
    @Test func theLongestMatchingPrefixWins() {
        let routes = RouteThresholds([.init(prefix: "/admin", threshold: -1), .init(prefix: "/admin/public", threshold: 2)])
        func rule(_ path: String) -> Float? {
            let bytes = Array(path.utf8)
            return routes.rule(forPath: bytes.span).map { routes.rules[$0].threshold }
        }
        #expect(rule("/admin/users") == -1)
        #expect(rule("/admin/public/logo.png") == 2)
        #expect(rule("/admin") == -1)
        #expect(rule("/adm") == nil)
        #expect(rule("/shop") == nil)
    }

    @Test func aConfigurationFileSetsThresholdsPerRoute() throws {
        var configuration = ServiceConfiguration()
        try configuration.apply(
            TOMLDocument(parsing: "[thresholds]\n\"/admin\" = -0.5\n\"/search\" = 1.25\n", source: "t.toml"),
            source: "t.toml"
        )
        #expect(configuration.routeThresholds.rules == [.init(prefix: "/search", threshold: 1.25), .init(prefix: "/admin", threshold: -0.5)])
        #expect(throws: ServiceError.self) {
            try configuration.apply(TOMLDocument(parsing: "[thresholds]\n\"admin\" = 1\n", source: "t.toml"), source: "t.toml")
        }
        #expect(throws: ServiceError.self) {
            try configuration.apply(TOMLDocument(parsing: "[thresholds]\n\"/a\" = \"high\"\n", source: "t.toml"), source: "t.toml")
        }
    }

    @Test func predictionsUseAndReportTheirRoutesThreshold() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        let routes = RouteThresholds([.init(prefix: "/admin", threshold: -1_000), .init(prefix: "/admin/public", threshold: 1_000)])
        let paths = ["/admin/users", "/admin/public/logo.png", "/search"]
        try fixture.send(paths.map { Array(#"{"id":"\#($0)","path":"\#($0)","query":"q=1"}"#.utf8) })
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: try fixture.configuration.loadModel(), maxBatch: 8, routes: routes)
        )
        try pipeline.start()
        let predictions = try fixture.read(fixture.configuration.output, atLeast: paths.count)
        #expect(pipeline.stop(timeoutSeconds: 20))
        var byID: [String: [String: Any]] = [:]
        for message in predictions {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            byID[try #require(json["id"] as? String)] = json
        }
        #expect(byID["/admin/users"]?["threshold"] as? Double == -1_000)
        #expect(byID["/admin/users"]?["anomalous"] as? Bool == true)
        #expect(byID["/admin/public/logo.png"]?["threshold"] as? Double == 1_000)
        #expect(byID["/admin/public/logo.png"]?["anomalous"] as? Bool == false)
        #expect(byID["/search"]?["threshold"] as? Double == 0, "the model's own threshold")
    }
}
