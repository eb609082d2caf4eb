import Foundation

/// The `transport-latency` chart as one self-contained SVG, in the style of ``Chart``: latency
/// percentiles against offered rate, both log (left: each subject's p50 solid, p99 dashed), and
/// the service-added latency, service minus bare loop, against the same rates (right, linear).
struct TransportLatencyChart {
    var title: String
    var results: [TransportLatencyRun.Result]

    private static let colors: [TransportSubject: String] = [
        .bare: "#1f77b4", .service: "#d62728", .echo: "#2ca02c", .seed: "#9467bd",
    ]
    private static let percentiles = [("p50_ms", "p50", ""), ("p99_ms", "p99", "6,3")]

    func svg() -> String {
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="1040" height="440" font-family="sans-serif" font-size="12">"#
        out += #"<rect width="1040" height="440" fill="white"/>"#
        out += #"<text x="20" y="24" font-size="15" font-weight="bold">\#(Chart.escape(title))</text>"#
        let rates = Set(results.map(\.rate)).sorted()
        guard let lowest = rates.first, let highest = rates.last else { return out + "</svg>\n" }
        let (lowRate, highRate) = (log10(lowest), log10(max(highest, lowest * 10)))
        func px(_ rate: Double, x: Double, width: Double) -> Double {
            x + (log10(rate) - lowRate) / (highRate - lowRate) * width
        }
        out += latencyPanel(rates: rates, x: 70, y: 50, width: 520, height: 300) { px($0, x: 70, width: 520) }
        out += addedPanel(rates: rates, x: 700, y: 50, width: 300, height: 300) { px($0, x: 700, width: 300) }
        out += "</svg>\n"
        return out
    }

    private func latencyPanel(
        rates: [Double],
        x: Double,
        y: Double,
        width: Double,
        height: Double,
        px: (Double) -> Double
    ) -> String {
        let values = results.flatMap { result in Self.percentiles.map { result.milliseconds($0.0) } }
            .filter { $0.isFinite && $0 > 0 }
        guard let smallest = values.min(), let largest = values.max() else { return "" }
        let low = pow(10, floor(log10(max(0.01, smallest))))
        let high = Chart.niceCeiling(largest)
        func py(_ ms: Double) -> Double {
            let clamped = min(max(ms, low), high)
            return y + height - (log10(clamped) - log10(low)) / (log10(high) - log10(low)) * height
        }
        var out = axes(x: x, y: y, width: width, height: height, rates: rates, px: px)
        out +=
            #"<text x="\#(x - 50)" y="\#(y + height / 2)" transform="rotate(-90 \#(x - 50) \#(y + height / 2))" text-anchor="middle">latency from intended send (ms, log)</text>"#
        var decade = low
        while decade <= high * 1.001 {
            out +=
                #"<text x="\#(x - 6)" y="\#(py(decade) + 4)" text-anchor="end" font-size="10">\#(String(format: "%g", decade))</text>"#
            out += #"<line x1="\#(x)" y1="\#(py(decade))" x2="\#(x + width)" y2="\#(py(decade))" stroke="gainsboro"/>"#
            decade *= 10
        }
        var legend = 0
        for subject in TransportSubject.allCases {
            let runs = results.filter { $0.subject == subject }.sorted { $0.rate < $1.rate }
            guard !runs.isEmpty else { continue }
            let color = Self.colors[subject] ?? "gray"
            for (key, name, dash) in Self.percentiles {
                let points = runs.filter { $0.milliseconds(key).isFinite }.map {
                    (px($0.rate), py($0.milliseconds(key)))
                }
                out += Self.line(points, color: color, dash: dash)
                let ly = y + 10 + Double(legend) * 16
                out += Self.line([(x + 12, ly), (x + 40, ly)], color: color, dash: dash)
                out += #"<text x="\#(x + 46)" y="\#(ly + 4)" font-size="11">\#(subject.rawValue) \#(name)</text>"#
                legend += 1
            }
        }
        return out
    }

    private func addedPanel(
        rates: [Double],
        x: Double,
        y: Double,
        width: Double,
        height: Double,
        px: (Double) -> Double
    ) -> String {
        let added = TransportLatencyRun.serviceAdded(results)
        let values = added.flatMap { row in Self.percentiles.compactMap { row.added[$0.0] } }.filter(\.isFinite)
        guard !values.isEmpty else { return "" }
        let high = Chart.niceCeiling(max(values.max() ?? 1, 0.1))
        let smallest = values.min() ?? 0
        let low = smallest < 0 ? -Chart.niceCeiling(-smallest) : 0
        func py(_ ms: Double) -> Double { y + height - (ms - low) / (high - low) * height }
        var out = axes(x: x, y: y, width: width, height: height, rates: rates, px: px)
        out += #"<text x="\#(x)" y="\#(y - 8)">service-added latency, service - bare loop (ms)</text>"#
        for tick in stride(from: low, through: high, by: (high - low) / 4) {
            out +=
                #"<text x="\#(x - 6)" y="\#(py(tick) + 4)" text-anchor="end" font-size="10">\#(String(format: "%g", tick))</text>"#
            out += #"<line x1="\#(x)" y1="\#(py(tick))" x2="\#(x + width)" y2="\#(py(tick))" stroke="gainsboro"/>"#
        }
        out += Self.line([(x, py(0)), (x + width, py(0))], color: "black")
        let color = Self.colors[.service] ?? "gray"
        for (key, name, dash) in Self.percentiles {
            let points = added.compactMap { row in
                row.added[key].flatMap { $0.isFinite ? (px(row.rate), py($0)) : nil }
            }
            out += Self.line(points, color: color, dash: dash)
            if let last = points.last {
                out += #"<text x="\#(last.0 + 4)" y="\#(last.1 + 4)" font-size="11">\#(name)</text>"#
            }
        }
        return out
    }

    private func axes(
        x: Double,
        y: Double,
        width: Double,
        height: Double,
        rates: [Double],
        px: (Double) -> Double
    ) -> String {
        var out = #"<line x1="\#(x)" y1="\#(y + height)" x2="\#(x + width)" y2="\#(y + height)" stroke="black"/>"#
        out += #"<line x1="\#(x)" y1="\#(y)" x2="\#(x)" y2="\#(y + height)" stroke="black"/>"#
        out +=
            #"<text x="\#(x + width / 2)" y="\#(y + height + 38)" text-anchor="middle">offered rate (requests/s, log)</text>"#
        for rate in rates {
            out +=
                #"<text x="\#(px(rate))" y="\#(y + height + 16)" text-anchor="middle" font-size="10">\#(Chart.short(rate))</text>"#
        }
        return out
    }

    private static func line(_ points: [(Double, Double)], color: String, dash: String = "") -> String {
        guard !points.isEmpty else { return "" }
        let path = points.map { "\($0.0),\($0.1)" }.joined(separator: " ")
        let style = dash.isEmpty ? "" : #" stroke-dasharray="\#(dash)""#
        return #"<polyline points="\#(path)" fill="none" stroke="\#(color)" stroke-width="1.5"\#(style)/>"#
    }
}
