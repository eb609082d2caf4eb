/// Numbers as the commands show them to a person, without Foundation's formatters.
enum NumberText {
    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// `value` rounded to `digits` decimals: `fixed(2.345, digits: 2)` is `2.35` (`digits` 0 to 6).
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value.magnitude * Double(scale)).rounded())
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(scaled) }
        let fraction = String(scaled % scale)
        return sign + String(scaled / scale) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// A fraction as a percentage: `percent(0.4812, digits: 1)` is `48.1%`.
    static func percent(_ fraction: Double, digits: Int) -> String {
        fixed(100 * fraction, digits: digits) + "%"
    }

    /// `numerator / denominator` as a percentage, or `-` when the denominator is 0.
    static func percent(_ numerator: Int, of denominator: Int, digits: Int = 2) -> String {
        denominator == 0 ? "-" : percent(Double(numerator) / Double(denominator), digits: digits)
    }

    /// Seconds as `m:ss` (or `h:mm:ss`).
    static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded())) : 0
        let (hours, minutes, rest) = (total / 3_600, total / 60 % 60, total % 60)
        let tail = (rest < 10 ? "0" : "") + String(rest)
        guard hours > 0 else { return "\(minutes):" + tail }
        return "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes):" + tail
    }

    /// A whole number grouped ("5,000"), else with up to two decimals ("12.5").
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return grouped(Int(value)) }
        let hundredths = Int((value * 100).rounded())
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
        if unit == 0 { return "\(Int(scaled.rounded())) B" }
        let tenths = Int((scaled * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
