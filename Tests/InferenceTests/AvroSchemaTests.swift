import Inference
import Testing

@Suite struct AvroSchemaTests {
    /// The error message of parsing `text`, or nil when it parses.
    private func refusal(_ text: String, limits: AvroSchemaLimits = .default) -> String? {
        do {
            _ = try AvroSchema(parsing: text, limits: limits)
            return nil
        } catch {
            #expect(error.code == .invalidSchema)
            return error.reason
        }
    }

    @Test func canonicalFormAndFingerprintMatchFastavro() throws {
        for (text, canonical, fingerprint) in AvroTestVectors.canonical {
            let schema = try AvroSchema(parsing: text)
            #expect(schema.canonicalForm == canonical)
            #expect(schema.fingerprint == fingerprint)
        }
    }

    @Test func fingerprintOfIntIsTheSpecificationsValue() throws {
        // Avro's share/test/data/schema-tests.txt: "int" has CRC-64-AVRO 8247732601305521295.
        #expect(try AvroSchema(parsing: #""int""#).fingerprint == 8_247_732_601_305_521_295)
        #expect(try AvroSchema(parsing: #"{"type": "int"}"#).canonicalForm == #""int""#)
    }

    @Test func nameIsTheFullNameOfATopLevelRecord() throws {
        #expect(try AvroSchema(parsing: AvroRequestSchema.json).name == "anomaly.v1.AnomalyRequest")
        #expect(try AvroSchema(parsing: #""string""#).name == "string")
        #expect(try AvroSchema(parsing: #"["null", "long"]"#).name == "union")
    }

    @Test func acceptsEveryTypeOfTheSpecification() throws {
        let schema = try AvroSchema(
            parsing: #"""
                {"type": "record", "name": "All", "namespace": "t", "aliases": ["Old"], "doc": "ignored",
                 "fields": [
                  {"name": "n", "type": "null", "default": null},
                  {"name": "b", "type": "boolean", "default": true},
                  {"name": "i", "type": "int", "default": -2147483648},
                  {"name": "l", "type": "long", "default": 9223372036854775807},
                  {"name": "f", "type": "float", "default": 1.5e3},
                  {"name": "d", "type": "double", "default": -0.25},
                  {"name": "by", "type": "bytes", "default": "\u00ff\u0000"},
                  {"name": "s", "type": "string", "default": "é", "aliases": ["str"], "order": "descending"},
                  {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "B"}, "default": "A"},
                  {"name": "a", "type": {"type": "array", "items": "E"}, "default": ["A", "B"]},
                  {"name": "m", "type": {"type": "map", "values": "long"}, "default": {"x": 1}},
                  {"name": "fx", "type": {"type": "fixed", "name": "F", "size": 2}, "default": "ab"},
                  {"name": "u", "type": ["null", "t.F", "E", {"type": "array", "items": "int"}], "default": null},
                  {"name": "r", "type": {"type": "record", "name": "other.R", "fields": [{"name": "x", "type": "int", "default": 0}]},
                   "default": {}},
                  {"name": "r2", "type": "other.R"},
                  {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2}},
                  {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
                  {"name": "day", "type": {"type": "int", "logicalType": "date"}}
                 ]}
                """#
        )
        #expect(schema.name == "t.All")
        #expect(schema.canonicalForm.contains(#"{"name":"r2","type":"other.R"}"#))
    }

    @Test func refusesMalformedJSON() {
        #expect(refusal(#"{"type": "record""#)?.hasPrefix("schema is not valid JSON") == true)
        #expect(refusal("")?.hasPrefix("schema is not valid JSON") == true)
        #expect(refusal(#""int" x"#) == "schema is not valid JSON: unexpected text after the schema at byte 6")
        #expect(refusal("[01]")?.contains("leading zero") == true)
    }

    @Test func refusesUnknownTypeNames() {
        #expect(refusal(#""integer""#) == "unknown type 'integer'")
        #expect(
            refusal(#"{"type": "record", "name": "R", "fields": [{"name": "x", "type": "Later"}]}"#)
                == "unknown type 'Later' (field x)"
        )
    }

    @Test func refusesDuplicateNames() {
        let text = #"""
            {"type": "record", "name": "R", "fields": [
              {"name": "a", "type": {"type": "enum", "name": "X", "symbols": ["A"]}},
              {"name": "b", "type": {"type": "fixed", "name": "X", "size": 1}}]}
            """#
        #expect(refusal(text) == "duplicate name 'X': a fixed reuses the name of another type (field b)")
        #expect(
            refusal(
                #"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]}"#
            )
                == "record 'R' has two fields named 'a'"
        )
    }

    @Test func refusesInvalidNames() {
        #expect(refusal(#"{"type": "fixed", "name": "9lives", "size": 1}"#)?.hasPrefix("invalid name '9lives'") == true)
        #expect(
            refusal(#"{"type": "enum", "name": "E", "symbols": ["ok", "not-ok"]}"#)
                == "enum 'E' has an invalid symbol 'not-ok'"
        )
        #expect(
            refusal(#"{"type": "record", "name": "R", "fields": [{"name": "a b", "type": "int"}]}"#)
                == "record 'R' has a field with the invalid name 'a b'"
        )
        #expect(
            refusal(#"{"type": "record", "name": "int", "fields": []}"#) == "record 'int' redefines a primitive type"
        )
    }

    @Test func refusesDefaultsThatDoNotMatchTheirType() {
        let cases: [(String, String)] = [
            (#""null""#, "0"), (#""boolean""#, "1"), (#""int""#, "2147483648"), (#""int""#, "1.5"),
            (#""long""#, #""7""#), (#""float""#, "true"), (#""double""#, "null"), (#""string""#, "3"),
            (#""bytes""#, #""\u0100""#), (#"{"type": "enum", "name": "E", "symbols": ["A"]}"#, #""B""#),
            (#"{"type": "array", "items": "int"}"#, "[1, \"x\"]"), (#"{"type": "map", "values": "int"}"#, "[]"),
            (#"{"type": "record", "name": "In", "fields": [{"name": "x", "type": "int"}]}"#, "{}"),
            (#"["null", "string"]"#, #""x""#),
        ]
        for (type, value) in cases {
            let text =
                #"{"type": "record", "name": "R", "fields": [{"name": "f", "type": "# + type + #", "default": "#
                + value + "}]}"
            #expect(
                refusal(text)?.hasPrefix("field 'f' has a default that does not match its type") == true,
                "\(type) \(value)"
            )
        }
        #expect(
            refusal(
                #"{"type": "record", "name": "R", "fields": [{"name": "f", "type": ["string", "null"], "default": "x"}]}"#
            ) == nil
        )
    }

    @Test func refusesUnionsWithDuplicateOrNestedUnions() {
        #expect(refusal(#"["null", "string", "null"]"#) == "a union has two branches of type 'null'")
        #expect(
            refusal(#"[{"type": "array", "items": "int"}, {"type": "array", "items": "long"}]"#)
                == "a union has two branches of type 'array'"
        )
        #expect(refusal(#"["null", ["int", "long"]]"#) == "a union cannot directly contain another union")
        #expect(refusal("[]") == "a union has no branches")
    }

    @Test func refusesRecursiveSchemasNamingTheType() {
        let direct =
            #"{"type": "record", "name": "LinkedList", "fields": [{"name": "value", "type": "int"}, {"name": "next", "type": ["null", "LinkedList"]}]}"#
        #expect(
            refusal(direct)
                == "schema is recursive: record 'LinkedList' refers to itself (field next); request schemas cannot be recursive"
        )
        let indirect = #"""
            {"type": "record", "name": "A", "namespace": "n", "fields": [
              {"name": "b", "type": {"type": "record", "name": "B", "fields": [
                {"name": "list", "type": {"type": "array", "items": "A"}}]}}]}
            """#
        #expect(
            refusal(indirect)
                == "schema is recursive: record 'n.A' refers to itself (field b.list); request schemas cannot be recursive"
        )
    }

    @Test func refusesSchemasBeyondTheLimits() {
        #expect(
            refusal(#""int""#, limits: AvroSchemaLimits(maxSchemaBytes: 3))?.hasPrefix("schema is too large: 5 bytes")
                == true
        )
        let deepJSON = String(repeating: "[", count: 1 << 20)
        #expect(refusal(deepJSON)?.hasPrefix("schema is nested too deeply") == true)
        var nested = #""int""#
        for _ in 0..<70 { nested = #"{"type": "array", "items": "# + nested + "}" }
        #expect(refusal(nested) == "schema is nested too deeply: more than 64 levels of types")
        let wide =
            "[" + (0..<20).map { #"{"type": "fixed", "name": "F\#($0)", "size": 1}"# }.joined(separator: ",") + "]"
        #expect(
            refusal(wide, limits: AvroSchemaLimits(maxNodes: 10))
                == "schema has too many types: more than the limit of 10"
        )
    }

    @Test func deepNestingThroughReferencesIsRefused() {
        // Each record uses the previous one twice: 40 definitions nest 40 levels and expand to 2^40 types.
        var fields = [#"{"type": "record", "name": "R0", "fields": [{"name": "x", "type": "int"}]}"#]
        for level in 1..<70 {
            fields.append(
                #"{"type": "record", "name": "R\#(level)", "fields": [{"name": "a", "type": "R\#(level - 1)"}, {"name": "b", "type": "R\#(level - 1)"}]}"#
            )
        }
        let text =
            #"{"type": "record", "name": "Top", "fields": ["#
            + fields.enumerated().map { #"{"name": "f\#($0)", "type": \#($1)}"# }.joined(separator: ",") + "]}"
        #expect(refusal(text)?.hasPrefix("schema is nested too deeply") == true)
    }
}
