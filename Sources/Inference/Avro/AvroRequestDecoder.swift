/// A writer schema compiled against an ``AvroFieldMapping``: a flat program that walks one
/// record's Avro binary encoding, storing the mapped fields into a ``ParsedRequest`` and
/// skipping the rest.
///
/// Decoding is total and allocation-free: any bytes give a request or an ``AvroDecodeError``,
/// never a trap or a read out of bounds, in time linear in the body (every length and block
/// count is checked against the bytes left). Strings longer than a field's capacity keep their
/// prefix and are marked truncated, and the target is normalised, as the JSON parser does.
///
/// ```swift
/// let decoder = try AvroRequestDecoder(writerSchema: schema)          // once per schema
/// if let error = decoder.decode(body.span, into: request) { ... }     // per message
/// ```
public final class AvroRequestDecoder: Sendable {
    /// The schema the program was compiled from.
    public let writerSchema: AvroSchema
    public let mapping: AvroFieldMapping
    /// The writer schema's id when it came from a Schema Registry (informational: logs and
    /// metrics; the caller sets it).
    public let schemaID: UInt32?
    /// Which record field (dotted path) fills each request field, for logs and `--help` output.
    public let resolvedFields: [AvroRequestField: String]
    let program: [AvroInstruction]
    /// Deepest nesting of arrays and maps in the program: the size of the decode stack.
    let blockDepth: Int

    static let maxExpandedTypes = 1 << 17

    /// Compiles `writerSchema` against `mapping`.
    /// - Throws: ``InferenceError/Code/unusableSchema`` when the top level is not a record, a
    ///   mapped field has a type its request field cannot take (the message names the field and
    ///   what would do), the schema has neither a path nor a query field (the message lists the
    ///   names looked for), or the program would be too large.
    public init(
        writerSchema: AvroSchema,
        mapping: AvroFieldMapping = .default,
        schemaID: UInt32? = nil
    ) throws(InferenceError) {
        let nodes = writerSchema.nodes
        guard nodes[writerSchema.root].kind == .record else {
            throw .unusableSchema(
                "the writer schema is \(writerSchema.name), not a record: a request must be an Avro record"
            )
        }
        // A named type used twice is inlined twice: a schema of small records each using the
        // previous one twice would expand exponentially, so the expanded size is capped first.
        guard nodes[writerSchema.root].expandedSize <= Self.maxExpandedTypes else {
            throw .unusableSchema(
                "the writer schema is too large to decode: its named types, inlined where used, "
                    + "make more than \(Self.maxExpandedTypes) types"
            )
        }
        let resolved = Self.resolve(mapping, nodes: nodes, root: writerSchema.root)
        guard resolved[.path] != nil || resolved[.query] != nil else {
            let looked = ((mapping.candidates[.path] ?? []) + (mapping.candidates[.query] ?? []))
                .joined(separator: ", ")
            throw .unusableSchema(
                "the writer schema \(writerSchema.name) has no field for the request's path or query "
                    + "(looked for \(looked)); map one with `avro-field path=NAME`"
            )
        }
        var assignments: [[Int]: AvroRequestField] = [:]
        var names: [AvroRequestField: String] = [:]
        for field in AvroRequestField.allCases {
            guard let (path, name) = resolved[field] else { continue }
            if let other = assignments[path] {
                throw .unusableSchema(
                    "record field '\(name)' is mapped to both the request's \(other.rawValue) and \(field.rawValue)"
                )
            }
            assignments[path] = field
            names[field] = name
        }
        var compiler = AvroProgramCompiler(nodes: nodes, root: writerSchema.root, assignments: assignments)
        try compiler.compile(writerSchema.root, path: [], depth: 1)
        try compiler.emit(AvroInstruction(opcode: .end))
        self.writerSchema = writerSchema
        self.mapping = mapping
        self.schemaID = schemaID
        self.resolvedFields = names
        self.program = compiler.program
        self.blockDepth = compiler.blockDepth
    }

    /// Per request field, the first candidate path the schema has: field indices and the name.
    private static func resolve(
        _ mapping: AvroFieldMapping,
        nodes: [AvroNode],
        root: Int
    ) -> [AvroRequestField: ([Int], String)] {
        var result: [AvroRequestField: ([Int], String)] = [:]
        for field in AvroRequestField.allCases {
            for candidate in mapping.candidates[field] ?? [] {
                var record: Int? = root
                var path: [Int] = []
                for component in candidate.split(separator: ".", omittingEmptySubsequences: false) {
                    guard let current = record,
                        let position = nodes[current].fields.firstIndex(where: { $0.name == component })
                    else {
                        path = []
                        break
                    }
                    path.append(position)
                    record = AvroProgramCompiler.record(in: nodes[current].fields[position].type, nodes: nodes)
                }
                if !path.isEmpty, path.count == candidate.split(separator: ".").count {
                    result[field] = (path, candidate)
                    break
                }
            }
        }
        return result
    }

    /// Decodes one Avro binary body (no wire header) into `request`, which is reset first.
    ///
    /// - Returns: nil on success, else why the body was refused (`request` then holds an
    ///   unspecified partial request). Does not allocate.
    public func decode(_ body: Span<UInt8>, into request: ParsedRequest) -> AvroDecodeError? {
        unsafe body.withUnsafeBytes { bytes in unsafe decode(bytes, into: request) }
    }

    /// ``decode(_:into:)`` over the bytes themselves.
    func decode(_ bytes: UnsafeRawBufferPointer, into request: ParsedRequest) -> AvroDecodeError? {
        request.reset()
        request.format = .avro
        let error = unsafe program.withUnsafeBufferPointer { instructions in
            unsafe withUnsafeTemporaryAllocation(of: Int.self, capacity: blockDepth + 4) { stack in
                var reader = unsafe AvroBodyReader(bytes, request: request)
                return unsafe reader.run(instructions, stack: stack.baseAddress!)
            }
        }
        if let error { return error }
        if !request.isPresent(.path), !request.isPresent(.query) { return .missingPath }
        RequestParser.normalizeTarget(request)
        return nil
    }
}
