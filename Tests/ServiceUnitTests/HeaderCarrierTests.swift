import Kafka
import Service
import Testing

@Suite struct HeaderCarrierTests {
    @Test func traceContextAndConfiguredHeadersAreCarriedInTheInputsOrderWhateverTheirCase() {
        let carrier = HeaderCarrier(extra: ["X-Request-Id"])
        let input = [
            KafkaHeader(name: "Cookie", string: "session=1"),
            KafkaHeader(name: "TraceParent", string: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            KafkaHeader(name: "x-request-id", string: "r-1"),
            KafkaHeader(name: "tracestate", string: "rojo=00f067aa0ba902b7"),
            KafkaHeader(name: "x-request-id", value: nil),
        ]
        #expect(
            carrier.carried(from: input).map(\.name) == ["TraceParent", "x-request-id", "tracestate", "x-request-id"]
        )
        #expect(carrier.carried(from: input)[0].value == input[1].value)
        #expect(carrier.carried(from: []).isEmpty)
    }

    @Test func withoutConfigurationOnlyTraceContextIsCarried() {
        let carrier = HeaderCarrier()
        #expect(carrier.names == ["traceparent", "tracestate"])
        #expect(carrier.carried(from: [KafkaHeader(name: "authorization", string: "Bearer x")]).isEmpty)
    }

    @Test func namesDifferingOnlyBeyondASCIICaseAreDifferent() {
        // U+212A KELVIN SIGN folds to "k" under Unicode rules, not under HTTP's ASCII rule.
        #expect(!HeaderCarrier.sameName("x-\u{212A}ey", "x-key"))
        #expect(HeaderCarrier.sameName("X-KEY", "x-key"))
    }
}
