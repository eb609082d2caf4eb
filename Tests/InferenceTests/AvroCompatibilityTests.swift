import Inference
import Testing

@Suite struct AvroCompatibilityTests {
    private func record(_ fields: String) throws -> AvroSchema {
        try record("R", fields)
    }

    private func record(_ name: String, _ fields: String) throws -> AvroSchema {
        try AvroSchema(parsing: #"{"type": "record", "name": "\#(name)", "fields": [\#(fields)]}"#)
    }

    @Test func identicalSchemasAreCompatible() throws {
        let schema = try AvroSchema(parsing: AvroRequestSchema.json)
        #expect(schema.incompatibilities(readingDataWrittenWith: schema).isEmpty)
    }

    @Test func readerFieldAddedWithDefaultIsCompatible() throws {
        let writer = try record(#"{"name": "path", "type": "string"}"#)
        let reader = try record(
            #"{"name": "path", "type": "string"}, {"name": "tenant", "type": ["null", "string"], "default": null}"#
        )
        #expect(reader.incompatibilities(readingDataWrittenWith: writer).isEmpty)
        // The writer's extra fields are skipped by the reader.
        #expect(writer.incompatibilities(readingDataWrittenWith: reader).isEmpty)
    }

    @Test func readerFieldAddedWithoutDefaultIsRefusedNamingIt() throws {
        let writer = try record(#"{"name": "path", "type": "string"}"#)
        let reader = try record(#"{"name": "path", "type": "string"}, {"name": "tenant", "type": "string"}"#)
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer)
                == ["field 'tenant': the writer's R lacks this field and the reader's has no default"]
        )
    }

    @Test func promotionsAreCompatibleAndNarrowingIsNot() throws {
        let promotions = [
            ("int", "long"), ("int", "double"), ("long", "float"), ("float", "double"), ("string", "bytes"),
            ("bytes", "string"),
        ]
        for (written, read) in promotions {
            let writer = try record(#"{"name": "x", "type": "\#(written)"}"#)
            let reader = try record(#"{"name": "x", "type": "\#(read)"}"#)
            #expect(reader.incompatibilities(readingDataWrittenWith: writer).isEmpty, "\(written) → \(read)")
        }
        let writer = try record(#"{"name": "x", "type": "long"}"#)
        let reader = try record(#"{"name": "x", "type": "int"}"#)
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer) == [
                "field 'x': the reader's int cannot read the writer's long"
            ]
        )
    }

    @Test func enumSymbolsTheReaderLacksNeedAReaderDefault() throws {
        let writer = try AvroSchema(parsing: #"{"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}"#)
        let reader = try AvroSchema(parsing: #"{"type": "enum", "name": "E", "symbols": ["A", "B"]}"#)
        let withDefault = try AvroSchema(
            parsing: #"{"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "A"}"#
        )
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer)
                == ["top level: the reader's enum 'E' lacks the writer's symbols C and has no default"]
        )
        #expect(withDefault.incompatibilities(readingDataWrittenWith: writer).isEmpty)
        #expect(writer.incompatibilities(readingDataWrittenWith: reader).isEmpty)
    }

    @Test func unionBranchesNeedAReaderBranch() throws {
        let writer = try record(#"{"name": "id", "type": ["null", "string", "long"]}"#)
        let reader = try record(#"{"name": "id", "type": ["null", "string"]}"#)
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer)
                == ["field 'id': the writer's union branch long has no match in the reader's union"]
        )
        // A plain writer type is read by the reader union's matching branch.
        let plain = try record(#"{"name": "id", "type": "string"}"#)
        #expect(reader.incompatibilities(readingDataWrittenWith: plain).isEmpty)
        // A writer union is readable by a plain reader only when every branch is.
        #expect(!plain.incompatibilities(readingDataWrittenWith: reader).isEmpty)
    }

    @Test func namedTypesMatchByNameOrAlias() throws {
        let writer = try record("Old", #"{"name": "x", "type": "int"}"#)
        let renamed = try record("New", #"{"name": "x", "type": "int"}"#)
        #expect(
            renamed.incompatibilities(readingDataWrittenWith: writer)
                == ["top level: the reader's record 'New' does not match the writer's record 'Old' by name or alias"]
        )
        let aliased = try AvroSchema(
            parsing: #"{"type": "record", "name": "New", "aliases": ["Old"], "fields": [{"name": "x", "type": "int"}]}"#
        )
        #expect(aliased.incompatibilities(readingDataWrittenWith: writer).isEmpty)
    }

    @Test func nestedProblemsNameTheDottedFieldPath() throws {
        let writer = try record(
            #"{"name": "request", "type": {"type": "record", "name": "Q", "fields": [{"name": "uri", "type": "long"}]}}"#
        )
        let reader = try record(
            #"{"name": "request", "type": {"type": "record", "name": "Q", "fields": [{"name": "uri", "type": "string"}]}}"#
        )
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer)
                == ["field 'request.uri': the reader's string cannot read the writer's long"]
        )
    }

    @Test func fixedSizesMustMatch() throws {
        let writer = try AvroSchema(parsing: #"{"type": "fixed", "name": "F", "size": 4}"#)
        let reader = try AvroSchema(parsing: #"{"type": "fixed", "name": "F", "size": 8}"#)
        #expect(
            reader.incompatibilities(readingDataWrittenWith: writer) == [
                "top level: fixed 'F' is 8 bytes, the writer's 4"
            ]
        )
    }
}
