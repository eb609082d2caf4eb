import Kafka

/// Chooses the input headers a prediction carries: W3C trace context (`traceparent`,
/// `tracestate`) and the operator's `carry-headers`, in the input's order, so a trace crosses
/// the service and consumers can join on their own correlation headers.
///
/// Dead letters need none of this: they carry every input header outside the service's
/// namespace (``OutputRecord/deadLetter(for:error:detail:)``).
public struct HeaderCarrier: Sendable {
    /// W3C Trace Context's two headers, always carried.
    public static let traceContext = ["traceparent", "tracestate"]

    /// The names carried, each once.
    public let names: [String]

    /// Carries trace context and `extra`.
    public init(extra: [String] = []) {
        var names: [String] = []
        for name in Self.traceContext + extra where !names.contains(where: { Self.sameName($0, name) }) {
            names.append(name)
        }
        self.names = names
    }

    /// The headers of `headers` whose names are carried, in their order (a repeated header is
    /// carried each time it appears).
    public func carried(from headers: [KafkaHeader]) -> [KafkaHeader] {
        // Most records have no headers: the common case costs one check and no allocation.
        guard !headers.isEmpty else { return [] }
        return headers.filter { header in names.contains { Self.sameName($0, header.name) } }
    }

    /// Whether two header names are the same under ASCII case folding (HTTP's rule; Unicode's
    /// would also fold look-alikes such as the Kelvin sign).
    public static func sameName(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count
            && left.utf8.elementsEqual(right.utf8) { a, b in
                (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == (b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }
    }
}
