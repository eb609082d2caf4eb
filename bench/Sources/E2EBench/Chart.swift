import Foundation

/// The run's chart as one self-contained SVG: latency percentiles against offered load (left) and
/// drain throughput per design (right, log scale: the Python seed is two orders below).
struct Chart {
    struct LatencyPoint {
        var rate: Double
        var p50: Double
        var p99: Double
    }

    var latency: [String: [LatencyPoint]] = [:]  // pipeline -> points, in rate order
    var throughput: [(name: String, requestsPerSecond: Double)] = []
    var title: String

    init(title: String) { self.title = title }

    /// The chart of an e2e-bench JSON document (`--json`).
    init(document: [String: Any], title: String) {
        self.title = title
        for row in document["latency"] as? [[String: Any]] ?? [] {
            guard let rate = row["rate"] as? Double else { continue }
            for name in ["echo", "service"] {
                guard let figures = row[name] as? [String: Any], let p50 = figures["p50_ms"] as? Double,
                    let p99 = figures["p99_ms"] as? Double
                else { continue }
                latency[name, default: []].append(.init(rate: rate, p50: p50, p99: p99))
            }
        }
        if let drain = document["drain"] as? [String: Any] {
            if let rate = drain["service_rps_median"] as? Double { throughput.append(("service", rate)) }
            if let rate = drain["echo_rps_median"] as? Double { throughput.append(("echo", rate)) }
        }
        if let seed = document["python_seed"] as? [String: Any], let rate = seed["rps_median"] as? Double {
            throughput.append(("python-seed", rate))
        }
    }

    func svg() -> String {
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="980" height="420" font-family="sans-serif" font-size="12">"#
        out += #"<rect width="980" height="420" fill="white"/>"#
        out += #"<text x="20" y="24" font-size="15" font-weight="bold">\#(Self.escape(title))</text>"#
        out += latencyPanel(x: 60, y: 50, width: 480, height: 300)
        out += throughputPanel(x: 640, y: 50, width: 300, height: 300)
        out += "</svg>\n"
        return out
    }

    private static let colors = ["service": "#d62728", "echo": "#1f77b4", "python-seed": "#2ca02c"]

    private func latencyPanel(x: Double, y: Double, width: Double, height: Double) -> String {
        let points = latency.values.flatMap { $0 }
        guard !points.isEmpty else { return "" }
        let rates = points.map(\.rate)
        let (lowRate, highRate) = (log10(rates.min()!), log10(max(rates.max()!, rates.min()! * 10)))
        // Latency on a log axis too: 1 ms and 5 s must both be readable.
        let lowLatency = pow(10, floor(log10(max(0.1, points.map(\.p50).min()!))))
        let highLatency = Self.niceCeiling(points.map(\.p99).max()!)
        func px(_ rate: Double) -> Double { x + (log10(rate) - lowRate) / (highRate - lowRate) * width }
        func py(_ ms: Double) -> Double {
            let clamped = min(max(ms, lowLatency), highLatency)
            return y + height - (log10(clamped) - log10(lowLatency)) / (log10(highLatency) - log10(lowLatency)) * height
        }
        var out = axes(x: x, y: y, width: width, height: height)
        out +=
            #"<text x="\#(x + width / 2)" y="\#(y + height + 38)" text-anchor="middle">offered load (requests/s, log)</text>"#
        out +=
            #"<text x="\#(x - 45)" y="\#(y + height / 2)" transform="rotate(-90 \#(x - 45) \#(y + height / 2))" text-anchor="middle">latency from intended send (ms, log)</text>"#
        for rate in Set(rates).sorted() {
            out +=
                #"<text x="\#(px(rate))" y="\#(y + height + 16)" text-anchor="middle" font-size="10">\#(Self.short(rate))</text>"#
        }
        var decade = lowLatency
        while decade <= highLatency * 1.001 {
            out +=
                #"<text x="\#(x - 6)" y="\#(py(decade) + 4)" text-anchor="end" font-size="10">\#(String(format: "%g", decade))</text>"#
            out += #"<line x1="\#(x)" y1="\#(py(decade))" x2="\#(x + width)" y2="\#(py(decade))" stroke="gainsboro"/>"#
            decade *= 10
        }
        var legendY = y + 10
        for (name, series) in latency.sorted(by: { $0.key < $1.key }) {
            let color = Self.colors[name] ?? "black"
            for (label, value, dash) in [
                ("p50", \LatencyPoint.p50, ""), ("p99", \LatencyPoint.p99, #" stroke-dasharray="5,3""#),
            ] {
                let path = series.map { "\(px($0.rate)),\(py($0[keyPath: value]))" }.joined(separator: " ")
                out += #"<polyline points="\#(path)" fill="none" stroke="\#(color)" stroke-width="2"\#(dash)/>"#
                for point in series {
                    out +=
                        #"<circle cx="\#(px(point.rate))" cy="\#(py(point[keyPath: value]))" r="3" fill="\#(color)"/>"#
                }
                out +=
                    #"<line x1="\#(x + 10)" y1="\#(legendY)" x2="\#(x + 34)" y2="\#(legendY)" stroke="\#(color)" stroke-width="2"\#(dash)/>"#
                out += #"<text x="\#(x + 40)" y="\#(legendY + 4)">\#(Self.escape(name)) \#(label)</text>"#
                legendY += 16
            }
        }
        return out
    }

    private func throughputPanel(x: Double, y: Double, width: Double, height: Double) -> String {
        guard !throughput.isEmpty else { return "" }
        let highest = log10(Self.niceCeiling(throughput.map(\.requestsPerSecond).max()!))
        let lowest = max(0, floor(log10(max(1, throughput.map(\.requestsPerSecond).min()!))) - 1)
        func py(_ value: Double) -> Double {
            y + height - (log10(max(value, 1)) - lowest) / (highest - lowest) * height
        }
        var out = axes(x: x, y: y, width: width, height: height)
        out +=
            #"<text x="\#(x + width / 2)" y="\#(y + height + 38)" text-anchor="middle">drain throughput (requests/s, log)</text>"#
        var decade = lowest
        while decade <= highest {
            let value = pow(10, decade)
            out +=
                #"<text x="\#(x - 6)" y="\#(py(value) + 4)" text-anchor="end" font-size="10">\#(Self.short(value))</text>"#
            out += #"<line x1="\#(x)" y1="\#(py(value))" x2="\#(x + width)" y2="\#(py(value))" stroke="gainsboro"/>"#
            decade += 1
        }
        let slot = width / Double(throughput.count)
        for (index, bar) in throughput.enumerated() {
            let left = x + Double(index) * slot + slot * 0.2
            let top = py(bar.requestsPerSecond)
            let color = Self.colors[bar.name] ?? "gray"
            out +=
                #"<rect x="\#(left)" y="\#(top)" width="\#(slot * 0.6)" height="\#(y + height - top)" fill="\#(color)"/>"#
            out +=
                #"<text x="\#(left + slot * 0.3)" y="\#(top - 4)" text-anchor="middle" font-size="11">\#(Self.short(bar.requestsPerSecond))/s</text>"#
            out +=
                #"<text x="\#(left + slot * 0.3)" y="\#(y + height + 16)" text-anchor="middle">\#(Self.escape(bar.name))</text>"#
        }
        return out
    }

    private func axes(x: Double, y: Double, width: Double, height: Double) -> String {
        #"<line x1="\#(x)" y1="\#(y + height)" x2="\#(x + width)" y2="\#(y + height)" stroke="black"/>"#
            + #"<line x1="\#(x)" y1="\#(y)" x2="\#(x)" y2="\#(y + height)" stroke="black"/>"#
    }

    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func short(_ value: Double) -> String {
        value >= 1e6
            ? String(format: "%gM", (value / 1e5).rounded() / 10)
            : value >= 1e3 ? String(format: "%gk", (value / 1e2).rounded() / 10) : String(format: "%g", value.rounded())
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
