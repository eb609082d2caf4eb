/// Rows of cells in aligned columns, for a person reading a terminal or a log (`score`'s summary,
/// `topics describe`).
struct TextTable {
    enum Alignment {
        case left
        case right
    }

    let alignments: [Alignment]
    private(set) var rows: [[String]] = []

    init(_ alignments: [Alignment]) {
        self.alignments = alignments
    }

    /// Adds a row; missing cells are empty.
    mutating func append(_ cells: [String]) {
        precondition(cells.count <= alignments.count, "more cells than columns")
        rows.append(cells + Array(repeating: "", count: alignments.count - cells.count))
    }

    /// The rows, each indented by `indent` spaces, columns `gap` spaces apart, no trailing spaces.
    func text(indent: Int = 2, gap: Int = 2) -> String {
        let widths = alignments.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in rows {
            var line = String(repeating: " ", count: indent)
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += String(repeating: " ", count: gap) }
                line += alignments[column] == .left ? cell + padding : padding + cell
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `rows` (after `header`, if any) left-aligned in columns two spaces apart, each line indented
    /// by `indent` spaces, without a final newline.
    static func render(_ rows: [[String]], header: [String]? = nil, indent: Int = 2) -> String {
        let all = (header.map { [$0] } ?? []) + rows
        var table = TextTable(Array(repeating: .left, count: all.map(\.count).max() ?? 0))
        for row in all { table.append(row) }
        return String(table.text(indent: indent).dropLast())
    }
}
