extension ServiceConfiguration {
    /// The settings for `serve --help`: each flag with its value, meaning, default, aliases and
    /// variable, from ``settings``.
    public static var settingsHelp: String {
        var text = "SETTINGS (flags override ANOMALY_* variables, which override the file):\n"
        for setting in settings {
            var flags = setting.short.map { "-\($0), " } ?? ""
            flags += "--\(setting.name) \(setting.placeholder)"
            text += "  \(flags)\n"
            var details = ["default: \(setting.defaultText)"]
            details += setting.aliases.map { "also --\($0)" }
            if let negation = setting.negation { details.append("--\(negation) for false") }
            details.append(setting.environmentVariables.joined(separator: ", "))
            if case .value = setting.file { details.append("file key \(setting.name)") }
            if case .table(let table) = setting.file { details.append("file table [\(table)]") }
            text += wrapped("\(setting.help) (\(details.joined(separator: "; ")))", indent: 8)
        }
        return text
    }

    /// `text` in lines of at most 78 columns, each indented by `indent` spaces: ArgumentParser
    /// re-wraps longer lines of a discussion without their indentation.
    private static func wrapped(_ text: String, indent: Int) -> String {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = margin
        for word in text.split(separator: " ") {
            if line.count > indent && line.count + 1 + word.count > 78 {
                lines.append(line)
                line = margin
            }
            line += (line.count > indent ? " " : "") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The settings table of docs/OPERATIONS.md, from ``settings``; a test keeps the document equal
    /// to it (`anomaly-service serve --settings-table` prints it).
    public static var settingsTable: String {
        var rows = [
            "| Flag | File | Environment | Default | Meaning |",
            "|---|---|---|---|---|",
        ]
        for setting in settings {
            var flag = "`--\(setting.name) \(setting.placeholder)`"
            if let short = setting.short { flag = "`-\(short)`, " + flag }
            flag += setting.aliases.map { ", `--\($0)`" }.joined()
            if let negation = setting.negation { flag += ", `--\(negation)`" }
            let file: String =
                switch setting.file {
                case .value(let types): "`\(setting.name)` (\(types.map(\.rawValue).joined(separator: " or ")))"
                case .table(let table): "`[\(table)]`"
                case .none: "-"
                }
            let environment = setting.environmentVariables.map { "`\($0)`" }.joined(separator: ", ")
            let meaning = setting.help.replacing("|", with: "\\|")
            rows.append("| \(flag) | \(file) | \(environment) | \(setting.defaultText) | \(meaning) |")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// "; did you mean 'X'?" for the known name nearest `name` (shown after `prefix`, such as
    /// `--`), or nothing when none is near.
    static func suggestion(for name: String, among candidates: [String]? = nil, prefix: String = "") -> String {
        let names = candidates ?? settings.flatMap { $0.names + ($0.negation.map { [$0] } ?? []) }
        let scored = names.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }), best.1 <= max(2, name.count / 4) else {
            return ""
        }
        return "; did you mean '\(prefix)\(best.0)'?"
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
