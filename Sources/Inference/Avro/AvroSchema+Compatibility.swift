extension AvroSchema {
    /// Why data written with `writer` cannot be read with this schema as the reader, under the
    /// Avro specification's schema resolution rules; empty when it can.
    ///
    /// Checked: reader fields the writer lacks need a default; types must match or be a
    /// promotion (int to long, float or double; long to float or double; float to double; string
    /// to bytes and back); named types match by full name, unqualified name or a reader alias;
    /// fixed sizes match; enum symbols the writer has need a place in the reader (or a reader
    /// default); every branch a writing union may choose needs a reader branch. Each entry names
    /// the field path (`request.uri`).
    public func incompatibilities(readingDataWrittenWith writer: AvroSchema) -> [String] {
        var checker = AvroCompatibilityChecker(reader: nodes, writer: writer.nodes)
        checker.check(reader: root, writer: writer.root, path: [])
        return checker.problems
    }
}

/// One walk over a reader and a writer tree side by side.
///
/// Implementation notes: both trees are depth-bounded; a pair of named types is compared once
/// (a type used in many places would otherwise cost its uses multiplied together).
struct AvroCompatibilityChecker {
    let reader: [AvroNode]
    let writer: [AvroNode]
    private(set) var problems: [String] = []
    /// Pairs of named types (reader index, writer index) already compared.
    private var compared = Set<[Int]>()

    init(reader: [AvroNode], writer: [AvroNode]) {
        self.reader = reader
        self.writer = writer
    }

    private mutating func report(_ path: [String], _ problem: String) {
        let place = path.isEmpty ? "top level" : "field '\(path.joined(separator: "."))'"
        problems.append("\(place): \(problem)")
    }

    mutating func check(reader r: Int, writer w: Int, path: [String]) {
        let readerNode = reader[r]
        let writerNode = writer[w]
        if writerNode.kind == .union {
            for branch in writerNode.branches {
                if readerNode.kind == .union {
                    guard let match = matchingBranch(of: readerNode, for: writer[branch]) else {
                        report(
                            path,
                            "the writer's union branch \(describe(writer, branch)) has no match in the reader's union"
                        )
                        continue
                    }
                    check(reader: match, writer: branch, path: path)
                } else {
                    check(reader: r, writer: branch, path: path)
                }
            }
            return
        }
        if readerNode.kind == .union {
            guard let match = matchingBranch(of: readerNode, for: writerNode) else {
                report(
                    path,
                    "the reader's union \(describe(reader, r)) has no branch for the writer's \(describe(writer, w))"
                )
                return
            }
            check(reader: match, writer: w, path: path)
            return
        }
        guard readerNode.kind == writerNode.kind else {
            if !Self.promotes(writerNode.kind, to: readerNode.kind) {
                report(path, "the reader's \(describe(reader, r)) cannot read the writer's \(describe(writer, w))")
            }
            return
        }
        if readerNode.kind.isNamed {
            guard Self.namesMatch(reader: readerNode, writer: writerNode) else {
                report(
                    path,
                    "the reader's \(describe(reader, r)) does not match the writer's \(describe(writer, w)) by name or alias"
                )
                return
            }
            guard compared.insert([r, w]).inserted else { return }
        }
        switch readerNode.kind {
        case .record:
            for field in readerNode.fields {
                let written = writerNode.fields.first { $0.name == field.name || field.aliases.contains($0.name) }
                if let written {
                    check(reader: field.type, writer: written.type, path: path + [field.name])
                } else if field.defaultValue == nil {
                    report(
                        path + [field.name],
                        "the writer's \(writerNode.fullName) lacks this field and the reader's has no default"
                    )
                }
            }
        case .enum:
            let missing = writerNode.symbols.filter { !readerNode.symbols.contains($0) }
            if !missing.isEmpty, readerNode.enumDefault == nil {
                report(
                    path,
                    "the reader's enum '\(readerNode.fullName)' lacks the writer's symbols "
                        + missing.joined(separator: ", ") + " and has no default"
                )
            }
        case .fixed:
            if readerNode.size != writerNode.size {
                report(
                    path,
                    "fixed '\(readerNode.fullName)' is \(readerNode.size) bytes, the writer's \(writerNode.size)"
                )
            }
        case .array:
            check(reader: readerNode.child, writer: writerNode.child, path: path + ["items"])
        case .map:
            check(reader: readerNode.child, writer: writerNode.child, path: path + ["values"])
        default:
            break
        }
    }

    /// The first reader branch of the same type as `writerNode`, else the first it promotes to.
    private func matchingBranch(of union: AvroNode, for writerNode: AvroNode) -> Int? {
        let exact = union.branches.first { branch in
            let node = reader[branch]
            guard node.kind == writerNode.kind else { return false }
            return !node.kind.isNamed || Self.namesMatch(reader: node, writer: writerNode)
        }
        return exact ?? union.branches.first { Self.promotes(writerNode.kind, to: reader[$0].kind) }
    }

    static func namesMatch(reader: AvroNode, writer: AvroNode) -> Bool {
        reader.fullName == writer.fullName || reader.shortName == writer.shortName
            || reader.aliases.contains(writer.fullName)
    }

    /// The specification's promotions of a written type to a read type.
    static func promotes(_ written: AvroNode.Kind, to read: AvroNode.Kind) -> Bool {
        switch (written, read) {
        case (.int, .long), (.int, .float), (.int, .double), (.long, .float), (.long, .double), (.float, .double),
            (.string, .bytes), (.bytes, .string):
            true
        default: false
        }
    }

    private func describe(_ nodes: [AvroNode], _ index: Int) -> String {
        let node = nodes[index]
        if node.kind.isNamed { return "\(node.kind.rawValue) '\(node.fullName)'" }
        if node.kind == .union { return "[" + node.branches.map { describe(nodes, $0) }.joined(separator: ", ") + "]" }
        if node.kind == .array { return "array of \(describe(nodes, node.child))" }
        if node.kind == .map { return "map of \(describe(nodes, node.child))" }
        return node.kind.rawValue
    }
}
