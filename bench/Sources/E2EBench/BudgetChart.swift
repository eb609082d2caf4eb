import Demo
import Foundation

/// The `budget` run's chart as one self-contained SVG, in the style of ``Chart``: three panels over
/// the same seconds, one line per configuration: offered (grey) and achieved rate, the batch
/// target size (log 2), and the service's p99 (log, with the budget as a dashed line).
struct BudgetChart {
    var title: String
    var budgetMilliseconds: Double
    /// Configuration name -> its seconds, in the order drawn.
    var runs: [(name: String, intervals: [DemoRunner.Interval])]

    private static let colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
    private let left = 80.0
    private let width = 760.0
    private let height = 170.0

    func svg() -> String {
        let total = 3 * (height + 60) + 60
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="\#(total)" font-family="sans-serif" font-size="12">"#
        out += #"<rect width="1080" height="\#(total)" fill="white"/>"#
        out += #"<text x="20" y="24" font-size="15" font-weight="bold">\#(Chart.escape(title))</text>"#
        let seconds = Double(runs.flatMap { $0.intervals.map(\.second) }.max() ?? 1)
        func px(_ second: Double) -> Double { left + second / seconds * width }
        // Rates, linear.
        let rates = runs.flatMap { $0.intervals.flatMap { [Double($0.sent), Double($0.answered)] } }
        let topRate = Chart.niceCeiling(rates.max() ?? 1)
        out += panel(
            y: 50,
            label: "requests/s (offered grey, achieved)",
            ticks: stride(from: 0, through: topRate, by: topRate / 4).map { $0 }
        ) {
            50 + height - $0 / topRate * height
        }
        if let first = runs.first {
            out += line(
                first.intervals.map { (px(Double($0.second)), 50 + height - Double($0.sent) / topRate * height) },
                color: "gray",
                dash: true
            )
        }
        for (index, run) in runs.enumerated() {
            out += line(
                run.intervals.map { (px(Double($0.second)), 50 + height - Double($0.answered) / topRate * height) },
                color: Self.colors[index % Self.colors.count]
            )
        }
        // Batch target size, log 2.
        let sizeTop = 50 + height + 60
        let biggest = Double(runs.flatMap { $0.intervals.map(\.batchTargetSize) }.max() ?? 1)
        let sizeBits = max(1, ceil(log2(max(2, biggest))))
        func sizeY(_ size: Double) -> Double { sizeTop + height - log2(max(1, size)) / sizeBits * height }
        out += panel(
            y: sizeTop,
            label: "batch target size (log 2)",
            ticks: (0...Int(sizeBits)).map { pow(2, Double($0)) },
            scale: sizeY
        )
        for (index, run) in runs.enumerated() {
            out += line(
                run.intervals.map { (px(Double($0.second)), sizeY(Double($0.batchTargetSize))) },
                color: Self.colors[index % Self.colors.count]
            )
        }
        // Service p99, log 10, with the budget.
        let p99Top = sizeTop + height + 60
        let p99s = runs.flatMap { $0.intervals.compactMap(\.serviceP99Nanoseconds) }.map { Double($0) / 1e6 }
        let low = pow(10, floor(log10(max(0.01, p99s.min() ?? 0.1))))
        let high = Chart.niceCeiling(max(budgetMilliseconds * 2, p99s.max() ?? 1))
        func p99Y(_ ms: Double) -> Double {
            p99Top + height - (log10(min(max(ms, low), high)) - log10(low)) / (log10(high) - log10(low)) * height
        }
        var decades: [Double] = []
        var decade = low
        while decade <= high * 1.001 {
            decades.append(decade)
            decade *= 10
        }
        out += panel(y: p99Top, label: "service p99, receipt to hand-off (ms, log)", ticks: decades, scale: p99Y)
        out += line(
            [(left, p99Y(budgetMilliseconds)), (left + width, p99Y(budgetMilliseconds))],
            color: "black",
            dash: true
        )
        out += #"<text x="\#(left + width + 6)" y="\#(p99Y(budgetMilliseconds) + 4)">budget</text>"#
        for (index, run) in runs.enumerated() {
            let points = run.intervals.compactMap { interval in
                interval.serviceP99Nanoseconds.map { (px(Double(interval.second)), p99Y(Double($0) / 1e6)) }
            }
            out += line(points, color: Self.colors[index % Self.colors.count])
        }
        out +=
            #"<text x="\#(left + width / 2)" y="\#(p99Top + height + 36)" text-anchor="middle">seconds since sending started</text>"#
        for (index, run) in runs.enumerated() {
            let y = 50 + Double(index) * 16
            out +=
                #"<line x1="\#(left + width + 10)" y1="\#(y)" x2="\#(left + width + 30)" y2="\#(y)" stroke="\#(Self.colors[index % Self.colors.count])" stroke-width="2"/>"#
            out += #"<text x="\#(left + width + 34)" y="\#(y + 4)" font-size="11">\#(Chart.escape(run.name))</text>"#
        }
        out += "</svg>\n"
        return out
    }

    private func panel(y: Double, label: String, ticks: [Double], scale: (Double) -> Double) -> String {
        var out = #"<line x1="\#(left)" y1="\#(y + height)" x2="\#(left + width)" y2="\#(y + height)" stroke="black"/>"#
        out += #"<line x1="\#(left)" y1="\#(y)" x2="\#(left)" y2="\#(y + height)" stroke="black"/>"#
        out += #"<text x="\#(left)" y="\#(y - 6)">\#(Chart.escape(label))</text>"#
        for tick in ticks {
            out +=
                #"<text x="\#(left - 6)" y="\#(scale(tick) + 4)" text-anchor="end" font-size="10">\#(Chart.short(tick))</text>"#
            out +=
                #"<line x1="\#(left)" y1="\#(scale(tick))" x2="\#(left + width)" y2="\#(scale(tick))" stroke="gainsboro"/>"#
        }
        return out
    }

    private func line(_ points: [(Double, Double)], color: String, dash: Bool = false) -> String {
        guard !points.isEmpty else { return "" }
        let path = points.map { "\($0.0),\($0.1)" }.joined(separator: " ")
        let style = dash ? #" stroke-dasharray="5,3""# : ""
        return #"<polyline points="\#(path)" fill="none" stroke="\#(color)" stroke-width="1.5"\#(style)/>"#
    }

}
