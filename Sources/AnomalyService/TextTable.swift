/// Plain-text output helpers for the `topics` commands: aligned columns and readable numbers.
enum TextTable {
    /// `rows` (after `header`, if any) in columns two spaces apart, each line indented by `indent`
    /// spaces; the last column is not padded, so no line ends in spaces.
    static func render(_ rows: [[String]], header: [String]? = nil, indent: Int = 2) -> String {
        let all = (header.map { [$0] } ?? []) + rows
        let columns = all.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        let margin = String(repeating: " ", count: indent)
        return all.map { row in
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            let line = margin + cells.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }

    /// 5000000 as "5,000,000".
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A whole number grouped ("5,000"), else with up to two decimals ("12.5").
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return grouped(Int64(value)) }
        let hundredths = Int64((value * 100).rounded())
        let fraction = String(hundredths.magnitude % 100)
        let trimmed = (fraction.count == 1 ? "0" + fraction : fraction).reversed().drop { $0 == "0" }
        return grouped(hundredths / 100) + (trimmed.isEmpty ? "" : "." + String(trimmed.reversed()))
    }

    /// Bytes in binary units with one decimal: "4.8 MiB", "301.7 GiB", "512 B".
    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var scaled = value
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(Int64(scaled.rounded())) B" }
        let tenths = Int64((scaled * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
