/// One type of a parsed schema. Types live in one array (``AvroSchema/nodes``) and refer to each
/// other by index: a named type used twice is one node referred to twice, so the tree is a
/// directed acyclic graph (recursive schemas are refused) and walks over it are bounded by the
/// expanded size recorded here.
struct AvroNode: Sendable {
    enum Kind: String, Sendable {
        case null, boolean, int, long, float, double, bytes, string
        case record, `enum`, array, map, fixed, union

        /// Whether the type has a name (and so may be referred to, and must match by name).
        var isNamed: Bool { self == .record || self == .enum || self == .fixed }
    }

    var kind: Kind
    /// Named types: the full name (`namespace.name`).
    var fullName = ""
    /// Named types: aliases as full names.
    var aliases: [String] = []
    /// The `logicalType` annotation, when present (the type reads as its underlying type).
    var logicalType: String?
    /// Records: the fields in written order.
    var fields: [AvroFieldNode] = []
    /// Enums: the symbols in order, and the default symbol.
    var symbols: [String] = []
    var enumDefault: String?
    /// Arrays: the items; maps: the values.
    var child = -1
    /// Unions: the branches in order.
    var branches: [Int] = []
    /// Fixed: the size in bytes.
    var size = 0
    /// Levels of nesting below and including this type, references expanded.
    var depth = 1
    /// Types in the tree with references expanded (saturating): the decoder's program size.
    var expandedSize = 1
    /// Fewest bytes a value's encoding takes: 0 only for types whose values always take none
    /// (null, zero-size fixed, records of those), whose arrays a block count alone describes.
    var minimumBytes = 1

    init(kind: Kind) { self.kind = kind }

    /// The unqualified name of a named type.
    var shortName: Substring {
        guard let dot = fullName.lastIndex(of: ".") else { return fullName[...] }
        return fullName[fullName.index(after: dot)...]
    }
}

/// One field of a record.
struct AvroFieldNode: Sendable {
    var name: String
    var type: Int
    var defaultValue: AvroJSON?
    var aliases: [String]
}
