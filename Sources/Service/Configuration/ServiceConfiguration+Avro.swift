import Inference
import Platform
import SchemaRegistry

extension ServiceConfiguration {
    /// `text` as a list of registry base URLs, checked by the client's own rules
    /// (``SchemaRegistryConfiguration/parseURLs(_:)``); credentials in a URL are not shown.
    static func registryURLs(_ text: String, _ source: String) throws(ServiceError) -> [String] {
        do {
            return try SchemaRegistryConfiguration.parseURLs(text)
        } catch {
            throw .configuration("\(source): 'schema-registry': \(error.description)")
        }
    }

    /// `FIELD=RECORD_FIELD`, checked: a request field the mapping knows and a non-empty record path.
    static func avroField(_ text: String, _ source: String) throws(ServiceError) -> String {
        guard let equals = text.firstIndex(of: "=") else {
            throw .configuration("\(source): 'avro-field' must be FIELD=RECORD_FIELD (path=uri), got '\(text)'")
        }
        let field = String(text[..<equals].trimmingWhitespace)
        let recordField = String(text[text.index(after: equals)...].trimmingWhitespace)
        guard AvroRequestField(rawValue: field) != nil else {
            let fields = AvroRequestField.allCases.map(\.rawValue).joined(separator: ", ")
            throw .configuration("\(source): 'avro-field' names no request field '\(field)'; one of \(fields)")
        }
        let segments = recordField.split(separator: ".", omittingEmptySubsequences: false)
        guard !recordField.isEmpty, segments.allSatisfy(isAvroName) else {
            throw .configuration(
                "\(source): 'avro-field' \(field) must name an Avro record field ([A-Za-z_][A-Za-z0-9_]*, dots into nested records), got '\(recordField)'"
            )
        }
        return field + "=" + recordField
    }

    /// Adds comma-separated header names to `existing` (each once, in order), refusing names that
    /// are not HTTP tokens or that are in the service's own namespace.
    static func headerNames(_ text: String, existing: [String], _ source: String) throws(ServiceError) -> [String] {
        var names = existing
        for part in text.split(separator: ",") {
            let name = String(part.trimmingWhitespace)
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw .configuration("\(source): 'carry-headers' entry '\(name)' is not a header name")
            }
            guard !DeadLetterHeader.isReserved(name) else {
                throw .configuration(
                    "\(source): 'carry-headers' entry '\(name)': x-anomaly-* headers are the service's own"
                )
            }
            if !names.contains(where: { HeaderCarrier.sameName($0, name) }) { names.append(name) }
        }
        return names
    }

    private static func isAvroName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        return !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
    }
}
