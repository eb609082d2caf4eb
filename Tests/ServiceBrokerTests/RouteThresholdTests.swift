import Foundation
import Kafka
import Service
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct RouteThresholdTests {
    @Test func predictionsUseAndReportTheirRoutesThreshold() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 2)
        fixture.configuration.model = try TestModel.write()
        let routes = RouteThresholds([
            .init(prefix: "/admin", threshold: -1_000), .init(prefix: "/admin/public", threshold: 1_000),
        ])
        let paths = ["/admin/users", "/admin/public/logo.png", "/search"]
        try fixture.send(paths.map { Array(#"{"id":"\#($0)","path":"\#($0)","query":"q=1"}"#.utf8) })
        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(
                model: try fixture.configuration.loadModel(),
                maxBatch: 8,
                options: ProcessorOptions(routes: routes)
            )
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
