/// Compiles a writer schema and a field mapping into an ``AvroRequestDecoder`` program.
///
/// Implementation notes: the writer's top-level record is laid out field by field; a nested
/// record is inlined; a union becomes a jump table followed by its branches' code; an array or
/// map becomes a `blockStart`/`blockNext` loop around its item's code. Mapped fields compile to
/// store instructions after their types are checked against what the request field can take.
/// Recursion here follows the schema, whose depth the parser bounded; the program's length is
/// capped, since a named type used in many places is inlined at each.
struct AvroProgramCompiler {
    let nodes: [AvroNode]
    /// Mapped record field paths (field indices from the top record) → request field.
    private let assignments: [[Int]: AvroRequestField]
    private(set) var program: [AvroInstruction] = []
    /// Deepest nesting of arrays and maps: the decoder's block stack.
    private(set) var blockDepth = 0
    /// Instructions from here on may be merged with the previous one (no jump lands between).
    private var mergeBarrier = 0

    static let maxInstructions = 1 << 18

    /// The top-level record, which mapped paths start from.
    let recordRoot: Int?

    init(nodes: [AvroNode], root: Int, assignments: [[Int]: AvroRequestField]) {
        self.nodes = nodes
        self.recordRoot = nodes[root].kind == .record ? root : nil
        self.assignments = assignments
    }

    // MARK: Emission

    mutating func emit(_ instruction: AvroInstruction) throws(InferenceError) {
        guard program.count < Self.maxInstructions else {
            throw .unusableSchema(
                "the writer schema is too large to decode: it expands to more than \(Self.maxInstructions) steps"
            )
        }
        if instruction.opcode == .skipFixed, program.count > mergeBarrier, let last = program.last,
            last.opcode == .skipFixed, Int(last.operand) + Int(instruction.operand) <= Int(Int32.max)
        {
            program[program.count - 1].operand += instruction.operand
            return
        }
        program.append(instruction)
    }

    /// The index of the next instruction, as a jump target.
    mutating func label() -> Int32 {
        mergeBarrier = program.count
        return Int32(program.count)
    }

    // MARK: Types

    /// Code for a value of `index`; `path` is the field path when the value is on the way to a
    /// mapped field (through records and unions), else nil.
    mutating func compile(_ index: Int, path: [Int]?, depth: Int) throws(InferenceError) {
        let node = nodes[index]
        switch node.kind {
        case .null: break
        case .boolean: try emit(AvroInstruction(opcode: .skipFixed, operand: 1))
        case .int: try emit(AvroInstruction(opcode: .skipInt))
        case .long: try emit(AvroInstruction(opcode: .skipLong))
        case .float: try emit(AvroInstruction(opcode: .skipFixed, operand: 4))
        case .double: try emit(AvroInstruction(opcode: .skipFixed, operand: 8))
        case .bytes, .string: try emit(AvroInstruction(opcode: .skipBytes))
        case .fixed: if node.size > 0 { try emit(AvroInstruction(opcode: .skipFixed, operand: Int32(node.size))) }
        case .enum: try emit(AvroInstruction(opcode: .checkEnum, operand: Int32(node.symbols.count)))
        case .record:
            for (position, field) in node.fields.enumerated() {
                let fieldPath = path.map { $0 + [position] }
                if let fieldPath, let target = assignments[fieldPath] {
                    try compileMapped(field.type, as: target, path: fieldPath)
                } else {
                    try compile(field.type, path: fieldPath, depth: depth + 1)
                }
            }
        case .array, .map:
            try compileBlocks(of: index, depth: depth) { (compiler) throws(InferenceError) in
                if node.kind == .map { try compiler.emit(AvroInstruction(opcode: .skipBytes)) }
                try compiler.compile(node.child, path: nil, depth: depth + 1)
            }
        case .union:
            try compileUnion(node.branches) { (compiler, branch) throws(InferenceError) in
                try compiler.compile(branch, path: path, depth: depth + 1)
            }
        }
    }

    /// A jump table, then each branch's code (empty branches jump straight past the union).
    mutating func compileUnion(
        _ branches: [Int],
        _ body: (inout AvroProgramCompiler, Int) throws(InferenceError) -> Void
    ) throws(InferenceError) {
        try emit(AvroInstruction(opcode: .union, operand: Int32(branches.count)))
        let table = program.count
        for _ in branches { try emit(AvroInstruction(opcode: .jump)) }
        var exits: [Int] = []
        for (position, branch) in branches.enumerated() {
            let start = label()
            try body(&self, branch)
            if program.count == Int(start) {
                exits.append(table + position)  // nothing to do: the table jumps to the end
                continue
            }
            program[table + position].operand = start
            if position < branches.count - 1 {
                exits.append(program.count)
                try emit(AvroInstruction(opcode: .jump))
            }
        }
        let end = label()
        for exit in exits { program[exit].operand = end }
    }

    /// A block loop around the item code `body` writes.
    mutating func compileBlocks(
        of index: Int,
        depth: Int,
        _ body: (inout AvroProgramCompiler) throws(InferenceError) -> Void
    ) throws(InferenceError) {
        let node = nodes[index]
        let keyBytes = node.kind == .map ? 1 : 0
        let zeroSize = nodes[node.child].minimumBytes + keyBytes == 0
        blockDepth = max(blockDepth, depth)
        let start = program.count
        try emit(AvroInstruction(opcode: .blockStart))
        let bodyStart = label()
        try body(&self)
        let stores = program[Int(bodyStart)...].contains { $0.stores }
        let flags = (zeroSize ? AvroInstruction.zeroSizeItems : 0) | (stores ? 0 : AvroInstruction.skippableBySize)
        try emit(AvroInstruction(opcode: .blockNext, flags: flags, operand: bodyStart))
        program[start].flags = flags
        program[start].operand = label()
    }
}
