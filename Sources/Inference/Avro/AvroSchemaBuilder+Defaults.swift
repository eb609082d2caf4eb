extension AvroSchemaBuilder {
    /// Whether `value` is a valid default for the type at `index` (Avro specification, "Schema
    /// Declaration", field defaults): a union's default matches its first branch; bytes and fixed
    /// are strings of code points up to U+00FF. Recursion follows the JSON value, which the reader
    /// bounded.
    func isValidDefault(_ value: AvroJSON, for index: Int) -> Bool {
        let node = nodes[index]
        switch node.kind {
        case .null:
            return value == .null
        case .boolean:
            if case .bool = value { return true }
            return false
        case .int:
            guard let integer = value.integerValue else { return false }
            return integer >= Int64(Int32.min) && integer <= Int64(Int32.max)
        case .long:
            return value.integerValue != nil
        case .float, .double:
            return value.doubleValue != nil
        case .string:
            return value.stringValue != nil
        case .bytes:
            guard let text = value.stringValue else { return false }
            return text.unicodeScalars.allSatisfy { $0.value <= 0xFF }
        case .fixed:
            guard let text = value.stringValue else { return false }
            return text.unicodeScalars.allSatisfy { $0.value <= 0xFF } && text.unicodeScalars.count == node.size
        case .enum:
            guard let symbol = value.stringValue else { return false }
            return node.symbols.contains(symbol)
        case .array:
            guard case .array(let items) = value else { return false }
            return items.allSatisfy { isValidDefault($0, for: node.child) }
        case .map:
            guard case .object(let members) = value else { return false }
            return members.allSatisfy { isValidDefault($0.1, for: node.child) }
        case .record:
            guard case .object = value else { return false }
            return node.fields.allSatisfy { field in
                guard let member = value[field.name] else { return field.defaultValue != nil }
                return isValidDefault(member, for: field.type)
            }
        case .union:
            return isValidDefault(value, for: node.branches[0])
        }
    }
}
