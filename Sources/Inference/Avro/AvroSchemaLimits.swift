/// Caps that keep a hostile schema from costing unbounded time or memory.
///
/// A writer schema comes from a Schema Registry the service does not control, and a registry
/// stores whatever a producer registers: these bounds make parsing it (and compiling it into an
/// ``AvroRequestDecoder``) cost at most a refusal.
public struct AvroSchemaLimits: Sendable, Equatable {
    /// Longest schema text, in bytes.
    public var maxSchemaBytes: Int
    /// Most types in the tree (every primitive, field type and branch counts).
    public var maxNodes: Int
    /// Deepest nesting of types (a record in a record's field is two levels).
    public var maxDepth: Int

    public init(maxSchemaBytes: Int = 1 << 20, maxNodes: Int = 10_000, maxDepth: Int = 64) {
        self.maxSchemaBytes = maxSchemaBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    /// 1 MiB of JSON text, 10,000 types, 64 levels: far beyond any request schema.
    public static let `default` = AvroSchemaLimits()
}
