/// Rows of cells in aligned columns, for a person reading a terminal or a log.
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
}
