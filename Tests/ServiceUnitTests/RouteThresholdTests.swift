import Service
import Testing

// No time limit: these run in microseconds, and a limit only measures how long Swift Testing
// kept them waiting behind the broker suites that block its threads.
@Suite
struct RouteThresholdTests {
    @Test func theLongestMatchingPrefixWins() {
        let routes = RouteThresholds([
            .init(prefix: "/admin", threshold: -1), .init(prefix: "/admin/public", threshold: 2),
        ])
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
        #expect(
            configuration.routeThresholds.rules == [
                .init(prefix: "/search", threshold: 1.25), .init(prefix: "/admin", threshold: -0.5),
            ]
        )
        #expect(throws: ServiceError.self) {
            try configuration.apply(
                TOMLDocument(parsing: "[thresholds]\n\"admin\" = 1\n", source: "t.toml"),
                source: "t.toml"
            )
        }
        #expect(throws: ServiceError.self) {
            try configuration.apply(
                TOMLDocument(parsing: "[thresholds]\n\"/a\" = \"high\"\n", source: "t.toml"),
                source: "t.toml"
            )
        }
    }
}
