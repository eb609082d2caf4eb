extension AvroSchema {
    /// The Parsing Canonical Form of the tree at `root`: full names, only the attributes that
    /// affect parsing (`name`, `type`, `fields`, `symbols`, `items`, `values`, `size`, in that
    /// order), primitives as bare names, no whitespace, and a named type written out once and
    /// by name afterwards.
    static func canonicalForm(of nodes: [AvroNode], root: Int) -> String {
        var text = ""
        var written = Set<String>()
        appendCanonical(nodes, root, to: &text, written: &written)
        return text
    }

    /// Depth-bounded: the parser refused trees deeper than ``AvroSchemaLimits/maxDepth``.
    private static func appendCanonical(
        _ nodes: [AvroNode],
        _ index: Int,
        to text: inout String,
        written: inout Set<String>
    ) {
        let node = nodes[index]
        if node.kind.isNamed {
            if written.contains(node.fullName) {
                text += "\"\(node.fullName)\""
                return
            }
            written.insert(node.fullName)
        }
        switch node.kind {
        case .null, .boolean, .int, .long, .float, .double, .bytes, .string:
            text += "\"\(node.kind.rawValue)\""
        case .record:
            text += "{\"name\":\"\(node.fullName)\",\"type\":\"record\",\"fields\":["
            for (position, field) in node.fields.enumerated() {
                if position > 0 { text += "," }
                text += "{\"name\":\"\(field.name)\",\"type\":"
                appendCanonical(nodes, field.type, to: &text, written: &written)
                text += "}"
            }
            text += "]}"
        case .enum:
            text += "{\"name\":\"\(node.fullName)\",\"type\":\"enum\",\"symbols\":["
            text += node.symbols.map { "\"\($0)\"" }.joined(separator: ",")
            text += "]}"
        case .fixed:
            text += "{\"name\":\"\(node.fullName)\",\"type\":\"fixed\",\"size\":\(node.size)}"
        case .array:
            text += "{\"type\":\"array\",\"items\":"
            appendCanonical(nodes, node.child, to: &text, written: &written)
            text += "}"
        case .map:
            text += "{\"type\":\"map\",\"values\":"
            appendCanonical(nodes, node.child, to: &text, written: &written)
            text += "}"
        case .union:
            text += "["
            for (position, branch) in node.branches.enumerated() {
                if position > 0 { text += "," }
                appendCanonical(nodes, branch, to: &text, written: &written)
            }
            text += "]"
        }
    }
}
