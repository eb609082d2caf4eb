/// A parsed, validated Avro schema (Avro 1.11 specification).
///
/// Every type of the specification: null, boolean, int, long, float, double, bytes, string,
/// record (fields with defaults and aliases; `doc` and `order` ignored), enum (with default),
/// array, map, fixed and union; named types with namespaces, and references to names defined
/// earlier. Logical types (`timestamp-millis`, `decimal`, `uuid`, `date`, ...) are carried as
/// annotations on their underlying type.
///
/// Parsing is total and bounded (``AvroSchemaLimits``): malformed JSON, unknown or duplicate names,
/// invalid names, defaults that do not match their type, unions with duplicate or nested unions,
/// and recursive schemas are refused with an ``InferenceError`` of code
/// ``InferenceError/Code/invalidSchema`` naming the type or field. Recursive schemas are refused
/// because a request has a fixed shape, and the decoder relies on a bounded nesting depth.
///
/// ```swift
/// let schema = try AvroSchema(parsing: #"{"type": "record", "name": "R", "fields": [...]}"#)
/// schema.fingerprint          // CRC-64-AVRO of schema.canonicalForm
/// ```
public final class AvroSchema: Sendable, CustomStringConvertible {
    /// Every type of the tree; ``root`` is the schema itself.
    let nodes: [AvroNode]
    let root: Int

    /// The Parsing Canonical Form (Avro specification, "Parsing Canonical Form for Schemas"):
    /// what two schemas that read the same bytes the same way have in common.
    public let canonicalForm: String

    /// The CRC-64-AVRO (Rabin) fingerprint of ``canonicalForm``.
    public let fingerprint: UInt64

    /// Parses the schema in `text`.
    /// - Throws: ``InferenceError/Code/invalidSchema`` saying what is wrong and where.
    public convenience init(parsing text: String, limits: AvroSchemaLimits = .default) throws(InferenceError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// Parses the schema in `bytes` (UTF-8 JSON text).
    /// - Throws: ``InferenceError/Code/invalidSchema`` saying what is wrong and where.
    public init(parsing bytes: some Collection<UInt8>, limits: AvroSchemaLimits = .default) throws(InferenceError) {
        guard bytes.count <= limits.maxSchemaBytes else {
            throw .invalidSchema(
                "schema is too large: \(bytes.count) bytes, more than the limit of \(limits.maxSchemaBytes)"
            )
        }
        let text = Array(bytes)
        let valid = unsafe text.withUnsafeBytes { unsafe UTF8Validation.isValid($0) }
        guard valid else { throw .invalidSchema("schema is not valid UTF-8") }
        // Each level of types takes at most three levels of JSON (record, fields array, field).
        var reader = AvroJSONReader(text, maxDepth: 3 * limits.maxDepth + 4)
        let json = try reader.readDocument()
        var builder = AvroSchemaBuilder(limits: limits)
        root = try builder.build(json, namespace: "", depth: 1)
        nodes = builder.nodes
        canonicalForm = Self.canonicalForm(of: nodes, root: root)
        fingerprint = Self.fingerprint(of: canonicalForm)
    }

    /// For a named type (a top-level record): its full name; otherwise the type's name (`int`,
    /// `array`, `union`, ...).
    public var name: String {
        let node = nodes[root]
        return node.kind.isNamed ? node.fullName : node.kind.rawValue
    }

    /// The canonical form.
    public var description: String { canonicalForm }
}
