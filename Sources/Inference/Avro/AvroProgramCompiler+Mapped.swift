extension AvroProgramCompiler {
    /// Code that stores a value of type `index` into `target`, after checking the type is one
    /// the request field can take (directly or in a union with null).
    mutating func compileMapped(_ index: Int, as target: AvroRequestField, path: [Int]) throws(InferenceError) {
        let node = nodes[index]
        if node.kind == .union {
            let usable = node.branches.allSatisfy { nodes[$0].kind == .null || accepts(nodes[$0], target) }
            guard usable, node.branches.contains(where: { nodes[$0].kind != .null }) else {
                throw unusable(index, target, path)
            }
            try compileUnionOfMapped(node.branches, target: target)
            return
        }
        guard accepts(node, target) else { throw unusable(index, target, path) }
        try compileMappedValue(index, as: target)
    }

    private func unusable(_ index: Int, _ target: AvroRequestField, _ path: [Int]) -> InferenceError {
        let wanted: String =
            switch target {
            case .timestamp: "int or long (timestamp-millis or timestamp-micros)"
            case .id: "string, bytes, int or long"
            case .headers:
                "a map of string, a map of array of string, or an array of records with string fields name and value"
            default: "string or bytes"
            }
        return .unusableSchema(
            "record field '\(fieldName(path))' has type \(describe(index)), which cannot give the request's "
                + "\(target.rawValue): it must be \(wanted), or a union of null with one"
        )
    }

    /// Whether a non-union type can fill `target`.
    func accepts(_ node: AvroNode, _ target: AvroRequestField) -> Bool {
        switch target {
        case .timestamp: return node.kind == .int || node.kind == .long
        case .id: return [.string, .bytes, .int, .long].contains(node.kind)
        case .headers: return headerShape(node) != nil
        default: return node.kind == .string || node.kind == .bytes
        }
    }

    /// The header layouts the request reads.
    enum HeaderShape {
        case mapOfString, mapOfArrays
        /// Field positions of `name` and `value` in the item record.
        case records(name: Int, value: Int)
    }

    func headerShape(_ node: AvroNode) -> HeaderShape? {
        let child = node.child >= 0 ? nodes[node.child] : node
        if node.kind == .map {
            if child.kind == .string { return .mapOfString }
            if child.kind == .array, nodes[child.child].kind == .string { return .mapOfArrays }
            return nil
        }
        guard node.kind == .array, child.kind == .record,
            let name = child.fields.firstIndex(where: { $0.name == "name" }),
            let value = child.fields.firstIndex(where: { $0.name == "value" }),
            nodes[child.fields[name].type].kind == .string, nodes[child.fields[value].type].kind == .string
        else { return nil }
        return .records(name: name, value: value)
    }
}

extension AvroProgramCompiler {
    /// A union of null with types `target` accepts.
    private mutating func compileUnionOfMapped(_ branches: [Int], target: AvroRequestField) throws(InferenceError) {
        try compileUnion(branches) { (compiler, branch) throws(InferenceError) in
            if compiler.nodes[branch].kind != .null { try compiler.compileMappedValue(branch, as: target) }
        }
    }

    /// The store for a value of the (accepted, non-union) type `index`.
    private mutating func compileMappedValue(_ index: Int, as target: AvroRequestField) throws(InferenceError) {
        let node = nodes[index]
        switch target {
        case .timestamp:
            let divisor: Int32 =
                switch node.logicalType {
                case "timestamp-micros", "local-timestamp-micros": 1000
                case "timestamp-nanos", "local-timestamp-nanos": 1_000_000
                default: 1
                }
            try emit(
                AvroInstruction(
                    opcode: .storeTimestamp,
                    flags: node.kind == .int ? AvroInstruction.isInt : 0,
                    operand: divisor
                )
            )
        case .headers:
            try compileHeaders(index)
        default:
            let field = target.requestField ?? .id
            if node.kind == .int || node.kind == .long {
                try emit(AvroInstruction(opcode: .storeNumberID, flags: node.kind == .int ? AvroInstruction.isInt : 0))
            } else {
                let validate = node.kind == .string ? AvroInstruction.validateUTF8 : 0
                try emit(AvroInstruction(opcode: .storeText, field: UInt8(field.rawValue), flags: validate))
            }
        }
    }

    /// A header map or list: each entry's name is compared with the headers the request reads.
    private mutating func compileHeaders(_ index: Int) throws(InferenceError) {
        let node = nodes[index]
        guard let shape = headerShape(node) else { return }
        try compileBlocks(of: index, depth: 1) { (compiler) throws(InferenceError) in
            try compiler.emit(AvroInstruction(opcode: .headerEntry))
            switch shape {
            case .mapOfString:
                try compiler.emit(AvroInstruction(opcode: .headerKey))
                try compiler.emit(AvroInstruction(opcode: .headerValue))
            case .mapOfArrays:
                try compiler.emit(AvroInstruction(opcode: .headerKey))
                try compiler.compileBlocks(of: node.child, depth: 2) { (inner) throws(InferenceError) in
                    try inner.emit(AvroInstruction(opcode: .headerValue, flags: AvroInstruction.firstOnly))
                }
            case .records(let name, let value):
                let item = compiler.nodes[node.child]
                for (position, field) in item.fields.enumerated() {
                    if position == name {
                        try compiler.emit(AvroInstruction(opcode: .headerKey))
                    } else if position == value {
                        try compiler.emit(AvroInstruction(opcode: .headerValue))
                    } else {
                        try compiler.compile(field.type, path: nil, depth: 3)
                    }
                }
            }
            try compiler.emit(AvroInstruction(opcode: .headerCommit))
        }
    }

    /// For messages: the dotted record field path of `path`.
    func fieldName(_ path: [Int]) -> String {
        var names: [String] = []
        var record = recordRoot
        for position in path {
            guard let current = record else { break }
            let field = nodes[current].fields[position]
            names.append(field.name)
            record = AvroProgramCompiler.record(in: field.type, nodes: nodes)
        }
        return names.joined(separator: ".")
    }

    /// For messages: a type's name.
    func describe(_ index: Int) -> String {
        let node = nodes[index]
        switch node.kind {
        case .record, .enum, .fixed: return "\(node.kind.rawValue) '\(node.fullName)'"
        case .union: return "[" + node.branches.map { describe($0) }.joined(separator: ", ") + "]"
        case .array: return "array of \(describe(node.child))"
        case .map: return "map of \(describe(node.child))"
        default: return node.kind.rawValue
        }
    }

    /// The record a field of type `index` leads into by a dotted path: a record, or a union whose
    /// only non-null branch is one.
    static func record(in index: Int, nodes: [AvroNode]) -> Int? {
        let node = nodes[index]
        if node.kind == .record { return index }
        guard node.kind == .union else { return nil }
        let others = node.branches.filter { nodes[$0].kind != .null }
        guard others.count == 1, nodes[others[0]].kind == .record else { return nil }
        return others[0]
    }
}
