import Kafka
import Platform
import TOMLKit

/// A configuration file: full TOML 1.0, parsed by TOMLKit (toml++), flattened to its values with
/// the line each was defined on.
///
/// TOMLKit rather than a parser of our own: TOML has hex, octal and binary integers, multi-line and
/// literal strings, inline tables, dotted keys and dates, and the spec's rules on redefining a
/// table are subtle; a maintained parser gets them right. It costs about 0.6 MB of binary and no
/// Foundation beyond FoundationEssentials (docs/OPERATIONS.md, "Configuration file").
public struct TOMLDocument: Sendable, Equatable {
    /// One value of the file, in the types TOML has.
    enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([Value])
        /// A date, time or date-time: no setting takes one.
        case date(String)
        /// An empty table (`[kafka]` with nothing under it).
        case emptyTable

        /// The value as a flag would give it.
        var description: String {
            switch self {
            case .string(let text): text
            case .integer(let number): String(number)
            case .float(let number): String(number)
            case .boolean(let flag): String(flag)
            case .array(let values): values.map(\.description).joined(separator: ",")
            case .date(let text): text
            case .emptyTable: ""
            }
        }

        /// The value as the file wrote it, near enough for an error: strings in quotes.
        var quoted: String {
            if case .string(let text) = self { return "\"\(text)\"" }
            return description
        }

        /// The value's TOML type, for errors.
        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .boolean: "a boolean"
            case .array: "an array"
            case .date: "a date or time"
            case .emptyTable: "a table"
            }
        }
    }

    /// One value with its full key (table path and key) and the line that defines it (0: unknown).
    struct Entry: Sendable, Equatable {
        let path: [String]
        let value: Value
        let line: Int

        /// The path joined with `.`, as people write it.
        var key: String { path.joined(separator: ".") }
    }

    /// The file's values, ordered by line.
    private(set) var entries: [Entry] = []

    subscript(key: String) -> Value? { entries.last(where: { $0.key == key })?.value }

    /// Parses `text`; `source` names the file in errors.
    ///
    /// - Throws: ``ServiceError`` ``ServiceError/Code/configuration`` naming the file and line, and
    ///   never quoting a value whose key looks secret (``KafkaConfiguration/isSensitive(_:)``).
    package init(parsing text: String, source: String = "configuration") throws(ServiceError) {
        let lines = KeyLines(text)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            if let path = lines.path(onLine: line), path.contains(where: { KafkaConfiguration.isSensitive($0) }) {
                throw .configuration(
                    "\(source):\(line): the value of '\(path.joined(separator: "."))' is not valid TOML (its text is not shown)"
                )
            }
            // The line itself helps find the mistake, unless a word in it suggests a secret.
            let lineText = lines.text(ofLine: line)
            let shown = lineText.isEmpty || KafkaConfiguration.isSensitive(lineText) ? "" : " in '\(lineText)'"
            throw .configuration("\(source):\(line): \(error.description)\(shown)")
        } catch {
            throw .configuration("\(source): not valid TOML")
        }
        Self.flatten(table, path: [], lines: lines, into: &entries)
        entries.sort { ($0.line, $0.key) < ($1.line, $1.key) }
    }

    /// The largest configuration file read: a real one is a few KB, and a file is read whole.
    public static let maxFileBytes = 1 << 20

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ServiceError`` ``ServiceError/Code/configuration`` naming the file when it cannot
    ///   be read, is a directory, is over ``maxFileBytes``, is not UTF-8 or does not parse.
    public init(contentsOfFile path: String) throws(ServiceError) {
        let bytes: [UInt8]
        do {
            let file = try FileContents(opening: path, name: "configuration file '\(path)'")
            guard file.size <= Self.maxFileBytes else {
                throw ServiceError.configuration(
                    "configuration file '\(path)' is \(file.size) bytes, over the limit of \(Self.maxFileBytes) bytes (1 MiB)"
                )
            }
            bytes = try file.readAll()
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .configuration("\(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .configuration("configuration file '\(path)' is not UTF-8 text")
        }
        try self.init(parsing: text, source: path)
    }

    private static func flatten(_ table: TOMLTable, path: [String], lines: KeyLines, into entries: inout [Entry]) {
        var empty = true
        for (key, node) in table {
            empty = false
            let keyPath = path + [key]
            if let nested = node.table {
                flatten(nested, path: keyPath, lines: lines, into: &entries)
            } else {
                entries.append(Entry(path: keyPath, value: value(of: node), line: lines.line(of: keyPath)))
            }
        }
        if empty && !path.isEmpty {
            entries.append(Entry(path: path, value: .emptyTable, line: lines.line(of: path)))
        }
    }

    private static func value(of node: TOMLValueConvertible) -> Value {
        switch node.type {
        case .string: .string(node.string ?? "")
        case .int: .integer(node.int ?? 0)
        case .double: .float(node.double ?? 0)
        case .bool: .boolean(node.bool ?? false)
        case .array: .array(node.array.map { $0.map(value(of:)) } ?? [])
        case .table: .emptyTable
        case .date, .time, .dateTime: .date(node.debugDescription)
        }
    }
}
