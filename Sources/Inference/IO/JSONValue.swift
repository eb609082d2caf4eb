import FoundationEssentials

/// A JSON value read without a schema: the model header, whose keys vary by kernel and trainer
/// version, the key sets of feature configurations, and (with `package` access) the schema
/// registry's requests and answers.
///
/// FoundationEssentials decodes JSON only into `Decodable` types (`JSONSerialization` lives in full
/// Foundation, with ICU); this is the `Decodable` type for any JSON value.
package enum JSONValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// A number with an integral value that fits `Int64` (`3`, `3.0`, `3e0`).
    case integer(Int64)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The members of the JSON object `json`, or nil when `json` is not valid JSON or not an object.
    package static func object(from json: Data) -> [String: JSONValue]? {
        guard case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: json) else { return nil }
        return members
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value of an integral number that fits `Int`; nil for anything else.
    package var intValue: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .number(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The value of any number; nil for anything else.
    package var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    package var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// Canonical JSON text: sorted keys, no whitespace, slashes unescaped (as ``FeatureConfiguration/canonicalJSON()``).
    package var canonicalJSON: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every case encodes: the only failure, a non-finite number, cannot come out of a decoder.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    /// For messages: a string as its text, anything else as JSON.
    package var description: String {
        switch self {
        case .string(let value): value
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        default: String(decoding: canonicalJSON, as: UTF8.self)
        }
    }
}
