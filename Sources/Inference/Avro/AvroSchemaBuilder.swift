/// Turns the JSON of a schema into ``AvroNode``s, checking the specification's rules as it goes.
///
/// Implementation notes: the walk recurses once per level of types and refuses anything deeper
/// than ``AvroSchemaLimits/maxDepth`` before descending (the JSON reader bounds the JSON itself).
/// A named type is registered as *in progress* while its fields are built, so a reference to it
/// from inside is recognised as recursion; references resolve only to types already complete.
struct AvroSchemaBuilder {
    private(set) var nodes: [AvroNode] = []
    private let limits: AvroSchemaLimits
    /// Complete named types by full name (aliases are not names a reference may use).
    private var names: [String: Int] = [:]
    /// Named types whose definition is being built: full name → kind and where their fields'
    /// path starts in ``fieldPath``.
    private var inProgress: [String: (kind: String, pathStart: Int)] = [:]
    /// Names of the fields from the top record down to the type being built, for messages.
    private var fieldPath: [String] = []

    static let primitiveNames: Set<String> = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]

    init(limits: AvroSchemaLimits) { self.limits = limits }

    /// Where in the schema the type being built is, for messages.
    private var location: String { fieldPath.isEmpty ? "" : " (field \(fieldPath.joined(separator: ".")))" }

    private mutating func append(_ node: AvroNode) throws(InferenceError) -> Int {
        guard nodes.count < limits.maxNodes else {
            throw .invalidSchema("schema has too many types: more than the limit of \(limits.maxNodes)")
        }
        // References nest a type already built, so depth is checked on the expanded tree too.
        guard node.depth <= limits.maxDepth else {
            throw .invalidSchema("schema is nested too deeply: more than \(limits.maxDepth) levels of types\(location)")
        }
        nodes.append(node)
        return nodes.count - 1
    }

    /// Builds the type `json` declares, in the enclosing `namespace`, `depth` levels down.
    mutating func build(_ json: AvroJSON, namespace: String, depth: Int) throws(InferenceError) -> Int {
        guard depth <= limits.maxDepth else {
            throw .invalidSchema("schema is nested too deeply: more than \(limits.maxDepth) levels of types\(location)")
        }
        switch json {
        case .string(let name):
            if let kind = AvroNode.Kind(rawValue: name), Self.primitiveNames.contains(name) {
                return try append(Self.primitive(kind))
            }
            return try reference(name, namespace: namespace)
        case .array(let branches):
            return try buildUnion(branches, namespace: namespace, depth: depth)
        case .object:
            return try buildObject(json, namespace: namespace, depth: depth)
        default:
            throw .invalidSchema(
                "a schema must be a type name, an object or a union array, not \(json.kindName)\(location)"
            )
        }
    }

    private static func primitive(_ kind: AvroNode.Kind) -> AvroNode {
        var node = AvroNode(kind: kind)
        node.minimumBytes = kind == .null ? 0 : kind == .float ? 4 : kind == .double ? 8 : 1
        return node
    }

    /// A name used as a type: a named type defined earlier.
    private func reference(_ name: String, namespace: String) throws(InferenceError) -> Int {
        let candidates = name.contains(".") || namespace.isEmpty ? [name] : ["\(namespace).\(name)", name]
        for candidate in candidates {
            if let (kind, pathStart) = inProgress[candidate] {
                let path = fieldPath[pathStart...].joined(separator: ".")
                throw .invalidSchema(
                    "schema is recursive: \(kind) '\(candidate)' refers to itself (field \(path)); "
                        + "request schemas cannot be recursive"
                )
            }
            if let index = names[candidate] { return index }
        }
        throw .invalidSchema("unknown type '\(name)'\(location)")
    }

    private mutating func buildUnion(
        _ branches: [AvroJSON],
        namespace: String,
        depth: Int
    ) throws(InferenceError) -> Int {
        guard !branches.isEmpty else { throw .invalidSchema("a union has no branches\(location)") }
        var node = AvroNode(kind: .union)
        var seen = Set<String>()
        for branch in branches {
            let index = try build(branch, namespace: namespace, depth: depth + 1)
            let child = nodes[index]
            guard child.kind != .union else {
                throw .invalidSchema("a union cannot directly contain another union\(location)")
            }
            let key = child.kind.isNamed ? child.fullName : child.kind.rawValue
            guard seen.insert(key).inserted else {
                throw .invalidSchema("a union has two branches of type '\(key)'\(location)")
            }
            node.branches.append(index)
        }
        finish(&node, children: node.branches)
        return try append(node)
    }

    /// Records depth, expanded size and minimum encoded size from the children's.
    private func finish(_ node: inout AvroNode, children: [Int]) {
        var depth = 0
        var size = 1
        var minimum = node.kind == .record ? 0 : 1
        for child in children {
            depth = max(depth, nodes[child].depth)
            size = min(size &+ nodes[child].expandedSize, Int.max / 4)
            if node.kind == .record { minimum = min(minimum &+ nodes[child].minimumBytes, Int.max / 4) }
        }
        node.depth = depth + 1
        node.expandedSize = size
        node.minimumBytes = minimum
    }

    private mutating func buildObject(_ json: AvroJSON, namespace: String, depth: Int) throws(InferenceError) -> Int {
        guard let typeValue = json["type"] else { throw .invalidSchema("a schema object has no \"type\"\(location)") }
        guard case .string(let type) = typeValue else {
            if case .object = typeValue { return try build(typeValue, namespace: namespace, depth: depth + 1) }
            if case .array = typeValue { return try build(typeValue, namespace: namespace, depth: depth + 1) }
            throw .invalidSchema("a schema's \"type\" must be a type name, not \(typeValue.kindName)\(location)")
        }
        let logicalType = json["logicalType"]?.stringValue
        switch type {
        case "record", "error":
            return try buildRecord(json, namespace: namespace, depth: depth)
        case "enum":
            return try buildEnum(json, namespace: namespace)
        case "fixed":
            let (fullName, _) = try declare(json, kind: "fixed", namespace: namespace)
            guard let size = json["size"]?.integerValue, size >= 0, size <= Int32.max else {
                throw .invalidSchema("fixed '\(fullName)' needs a \"size\": a non-negative integer\(location)")
            }
            var node = AvroNode(kind: .fixed)
            node.fullName = fullName
            node.aliases = try aliases(json, namespace: Self.namespace(of: fullName), owner: fullName)
            node.size = Int(size)
            node.minimumBytes = Int(size)
            node.logicalType = logicalType
            let index = try append(node)
            names[fullName] = index
            return index
        case "array", "map":
            let isArray = type == "array"
            let key = isArray ? "items" : "values"
            guard let childJSON = json[key] else { throw .invalidSchema("\(type) has no \"\(key)\"\(location)") }
            let child = try build(childJSON, namespace: namespace, depth: depth + 1)
            var node = AvroNode(kind: isArray ? .array : .map)
            node.child = child
            finish(&node, children: [child])
            return try append(node)
        default:
            if let kind = AvroNode.Kind(rawValue: type), Self.primitiveNames.contains(type) {
                var node = Self.primitive(kind)
                node.logicalType = logicalType
                return try append(node)
            }
            return try reference(type, namespace: namespace)
        }
    }

    /// The full name a named type declares, checked and not yet taken.
    private func declare(_ json: AvroJSON, kind: String, namespace: String) throws(InferenceError) -> (String, String) {
        guard let name = json["name"]?.stringValue else {
            throw .invalidSchema("\(kind) has no \"name\" (a string)\(location)")
        }
        var ownNamespace = namespace
        if let declared = json["namespace"] {
            switch declared {
            case .string(let text): ownNamespace = text
            case .null: ownNamespace = ""
            default: throw .invalidSchema("\(kind) '\(name)' has a \"namespace\" that is not a string\(location)")
            }
        }
        let fullName = name.contains(".") || ownNamespace.isEmpty ? name : "\(ownNamespace).\(name)"
        guard Self.isValidFullName(fullName) else {
            throw .invalidSchema(
                "invalid name '\(fullName)' for a \(kind)\(location): names are letters, digits and _ "
                    + "not starting with a digit, dot-separated"
            )
        }
        guard !Self.primitiveNames.contains(fullName) else {
            throw .invalidSchema("\(kind) '\(fullName)' redefines a primitive type\(location)")
        }
        guard names[fullName] == nil, inProgress[fullName] == nil else {
            throw .invalidSchema("duplicate name '\(fullName)': a \(kind) reuses the name of another type\(location)")
        }
        return (fullName, Self.namespace(of: fullName))
    }

    static func namespace(of fullName: String) -> String {
        guard let dot = fullName.lastIndex(of: ".") else { return "" }
        return String(fullName[..<dot])
    }

    private func aliases(_ json: AvroJSON, namespace: String, owner: String) throws(InferenceError) -> [String] {
        guard let value = json["aliases"] else { return [] }
        guard case .array(let items) = value else {
            throw .invalidSchema("\"aliases\" of '\(owner)' must be an array of names\(location)")
        }
        var result: [String] = []
        for item in items {
            guard let alias = item.stringValue else {
                throw .invalidSchema("\"aliases\" of '\(owner)' must be an array of names\(location)")
            }
            let full = alias.contains(".") || namespace.isEmpty ? alias : "\(namespace).\(alias)"
            guard Self.isValidFullName(full) else {
                throw .invalidSchema("invalid alias '\(alias)' of '\(owner)'\(location)")
            }
            result.append(full)
        }
        return result
    }

    private mutating func buildEnum(_ json: AvroJSON, namespace: String) throws(InferenceError) -> Int {
        let (fullName, ownNamespace) = try declare(json, kind: "enum", namespace: namespace)
        guard case .array(let items)? = json["symbols"] else {
            throw .invalidSchema("enum '\(fullName)' needs \"symbols\": an array of names\(location)")
        }
        var node = AvroNode(kind: .enum)
        node.fullName = fullName
        node.aliases = try aliases(json, namespace: ownNamespace, owner: fullName)
        var seen = Set<String>()
        for item in items {
            guard let symbol = item.stringValue, Self.isValidName(symbol) else {
                throw .invalidSchema("enum '\(fullName)' has an invalid symbol \(Self.quote(item))\(location)")
            }
            guard seen.insert(symbol).inserted else {
                throw .invalidSchema("enum '\(fullName)' has the symbol '\(symbol)' twice\(location)")
            }
            node.symbols.append(symbol)
        }
        if let value = json["default"] {
            guard let symbol = value.stringValue, seen.contains(symbol) else {
                throw .invalidSchema("enum '\(fullName)' has a default that is not one of its symbols\(location)")
            }
            node.enumDefault = symbol
        }
        node.logicalType = json["logicalType"]?.stringValue
        let index = try append(node)
        names[fullName] = index
        return index
    }

    private mutating func buildRecord(_ json: AvroJSON, namespace: String, depth: Int) throws(InferenceError) -> Int {
        let (fullName, ownNamespace) = try declare(json, kind: "record", namespace: namespace)
        guard case .array(let fieldsJSON)? = json["fields"] else {
            throw .invalidSchema("record '\(fullName)' needs \"fields\": an array\(location)")
        }
        inProgress[fullName] = ("record", fieldPath.count)
        var node = AvroNode(kind: .record)
        node.fullName = fullName
        node.aliases = try aliases(json, namespace: ownNamespace, owner: fullName)
        var seen = Set<String>()
        for fieldJSON in fieldsJSON {
            guard case .object = fieldJSON, let name = fieldJSON["name"]?.stringValue else {
                throw .invalidSchema("record '\(fullName)' has a field without a \"name\"\(location)")
            }
            guard Self.isValidName(name) else {
                throw .invalidSchema("record '\(fullName)' has a field with the invalid name '\(name)'\(location)")
            }
            guard seen.insert(name).inserted else {
                throw .invalidSchema("record '\(fullName)' has two fields named '\(name)'\(location)")
            }
            guard let typeJSON = fieldJSON["type"] else {
                throw .invalidSchema("field '\(name)' of record '\(fullName)' has no \"type\"\(location)")
            }
            fieldPath.append(name)
            let type = try build(typeJSON, namespace: ownNamespace, depth: depth + 1)
            let defaultValue = fieldJSON["default"]
            if let defaultValue, !isValidDefault(defaultValue, for: type) {
                throw .invalidSchema(
                    "field '\(fieldPath.joined(separator: "."))' has a default that does not match its type "
                        + "\(describe(type)) (a union's default must match its first branch)"
                )
            }
            fieldPath.removeLast()
            var fieldAliases: [String] = []
            if case .array(let items)? = fieldJSON["aliases"] {
                fieldAliases = items.compactMap(\.stringValue)
            }
            node.fields.append(AvroFieldNode(name: name, type: type, defaultValue: defaultValue, aliases: fieldAliases))
        }
        inProgress[fullName] = nil
        finish(&node, children: node.fields.map(\.type))
        node.logicalType = json["logicalType"]?.stringValue
        let index = try append(node)
        names[fullName] = index
        return index
    }

    /// For messages: a type's name.
    func describe(_ index: Int) -> String {
        let node = nodes[index]
        if node.kind.isNamed { return "\(node.kind.rawValue) '\(node.fullName)'" }
        if node.kind == .union { return "[" + node.branches.map { describe($0) }.joined(separator: ", ") + "]" }
        return node.kind.rawValue
    }

    private static func quote(_ value: AvroJSON) -> String {
        if let text = value.stringValue { return "'\(text)'" }
        return value.kindName
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValidName(_ name: some StringProtocol) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
    }

    static func isValidFullName(_ name: String) -> Bool {
        name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isValidName($0) }
    }
}
