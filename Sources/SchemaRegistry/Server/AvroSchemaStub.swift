import FoundationEssentials
import Inference

// TEMPORARY: stands in for Inference's AvroSchema (branch avro-core) until it is merged; delete
// this file then. Same API; a crude check (records need a name and fields, a field naming its own
// record is "recursive"), canonical form = sorted-key JSON.
final class AvroSchema: Sendable {
    struct StubError: Error, CustomStringConvertible { let description: String }

    let canonicalForm: String
    let name: String
    private let fields: [String: Bool]  // field name: has a default

    init(parsing text: String) throws(StubError) {
        guard let object = JSONValue.object(from: Data(text.utf8)) else {
            throw StubError(description: "not a JSON object")
        }
        guard let name = object["name"]?.stringValue else { throw StubError(description: "no name") }
        guard case .array(let fields)? = object["fields"] else { throw StubError(description: "no fields") }
        var seen: [String: Bool] = [:]
        for case .object(let field) in fields {
            guard let fieldName = field["name"]?.stringValue else { throw StubError(description: "unnamed field") }
            if field["type"] == .string(name) { throw StubError(description: "recursive schema \(name)") }
            seen[fieldName] = field["default"] != nil
        }
        self.name = name
        self.fields = seen
        canonicalForm = String(decoding: JSONValue.object(object).canonicalJSON, as: UTF8.self)
    }

    func incompatibilities(readingDataWrittenWith writer: AvroSchema) -> [String] {
        fields.filter { writer.fields[$0.key] == nil && !$0.value }.keys.sorted().map {
            "field '\($0)' is missing from the writer's schema and has no default"
        }
    }
}
