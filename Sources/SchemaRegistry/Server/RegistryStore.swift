import FoundationEssentials
import Inference
import Synchronization

/// A request's answer: the HTTP status and the JSON body.
package struct RegistryReply: Sendable, Equatable {
    package let status: Int
    package let body: String

    package init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// The development registry's contents and the REST API over them, apart from HTTP: what
/// ``SchemaRegistryServer``'s connections call, and tests directly.
///
/// Confluent's REST API, the part its clients use (confluent-kafka's `SchemaRegistryClient`,
/// `AvroSerializer`, `AvroDeserializer`): routing, request bodies and answers.
///
/// Thread-safe: everything is one ``RegistryState`` in a `Mutex`, locked once per request to read
/// or change it (requests run on the server's event loop; tests call from their own threads).
/// Schemas are parsed before the lock is taken.
package final class RegistryStore: Sendable {
    let state: Mutex<RegistryState>
    /// `GET /schemas/ids/...` requests answered, for tests of clients' caching (relaxed: a count,
    /// ordering nothing).
    package let schemaByIDRequests = Atomic<Int>(0)

    init(compatibility: SchemaRegistryServer.Compatibility) {
        state = Mutex(RegistryState(compatibility: compatibility))
    }

    /// Answers one request: `uri` may carry a query (ignored: `?normalize=false`,
    /// `?permanent=true`), `body` is the whole request body.
    package func reply(method: String, uri: String, body: [UInt8]) -> RegistryReply {
        let path = uri.prefix { $0 != "?" }
        let segments = path.split(separator: "/").map { Self.percentDecoded($0) }
        do throws(RegistryFailure) {
            return RegistryReply(status: 200, body: Self.text(try route(method, segments, body)))
        } catch {
            return Self.failure(error)
        }
    }

    static func failure(_ failure: RegistryFailure) -> RegistryReply {
        let body = JSONValue.object([
            "error_code": .integer(Int64(failure.errorCode)), "message": .string(failure.message),
        ])
        return RegistryReply(status: failure.status, body: text(body))
    }

    private func route(_ method: String, _ path: [String], _ body: [UInt8]) throws(RegistryFailure) -> JSONValue {
        switch (method, path.count, path.first) {
        case ("GET", 1, "subjects"):
            return .array(state.withLock { $0.subjects.keys.sorted() }.map(JSONValue.string))
        case (_, 1, "subjects"): throw .methodNotAllowed
        case ("POST", 2, "subjects"): return try lookUp(subject: path[1], body)
        case ("DELETE", 2, "subjects"): return try delete(subject: path[1])
        case (_, 2, "subjects"): throw .methodNotAllowed
        case ("GET", 3, "subjects") where path[2] == "versions": return try versions(of: path[1])
        case ("POST", 3, "subjects") where path[2] == "versions": return try register(subject: path[1], body)
        case (_, 3, "subjects") where path[2] == "versions": throw .methodNotAllowed
        case ("GET", 4, "subjects") where path[2] == "versions": return try version(path[3], of: path[1])
        case (_, 4, "subjects") where path[2] == "versions": throw .methodNotAllowed
        case (_, 3, "schemas") where path[1] == "ids",
            (_, 4, "schemas") where path[1] == "ids" && path[3] == "versions":
            guard method == "GET" else { throw .methodNotAllowed }
            schemaByIDRequests.add(1, ordering: .relaxed)
            return try schema(id: path[2], versions: path.count == 4)
        case ("GET", 1, "config"): return compatibility(of: nil)
        case ("GET", 2, "config"): return compatibility(of: path[1])
        case ("PUT", 1, "config"): return try setCompatibility(of: nil, body)
        case ("PUT", 2, "config"): return try setCompatibility(of: path[1], body)
        case (_, 1, "config"), (_, 2, "config"): throw .methodNotAllowed
        default: throw .notFound
        }
    }

    // MARK: - Subjects

    private func register(subject: String, _ body: [UInt8]) throws(RegistryFailure) -> JSONValue {
        let (text, parsed) = try Self.schema(in: body)
        let id = try state.withLock { $0.register(text, parsed: parsed, under: subject) }.get()
        return .object(["id": .integer(Int64(id))])
    }

    private func lookUp(subject: String, _ body: [UInt8]) throws(RegistryFailure) -> JSONValue {
        let (_, parsed) = try Self.schema(in: body)
        let found = state.withLock { state in
            state.subjects[subject] == nil
                ? nil : (state.version(of: parsed.canonicalForm, under: subject), state.schemas)
        }
        guard let (match, schemas) = found else { throw .subjectNotFound(subject) }
        guard let match, let stored = schemas[match.id] else { throw .schemaNotFound("under subject '\(subject)'") }
        return Self.registered(subject: subject, id: match.id, version: match.version, text: stored.text)
    }

    private func delete(subject: String) throws(RegistryFailure) -> JSONValue {
        guard let ids = state.withLock({ $0.subjects.removeValue(forKey: subject) }) else {
            throw .subjectNotFound(subject)
        }
        return .array(ids.indices.map { .integer(Int64($0 + 1)) })
    }

    private func versions(of subject: String) throws(RegistryFailure) -> JSONValue {
        guard let ids = state.withLock({ $0.subjects[subject] }) else { throw .subjectNotFound(subject) }
        return .array(ids.indices.map { .integer(Int64($0 + 1)) })
    }

    private func version(_ version: String, of subject: String) throws(RegistryFailure) -> JSONValue {
        // "latest" and -1 both mean the newest version, as in Confluent's registry.
        let number = version == "latest" ? -1 : Int(version)
        guard let number, number == -1 || number > 0 else {
            throw RegistryFailure(
                status: 422,
                errorCode: 42202,
                message: "The specified version '\(version)' is not a valid version id. Allowed values are between "
                    + "[1, 2^31-1] and the string \"latest\""
            )
        }
        let found = state.withLock { state in
            state.subjects[subject].map { ids in (ids, ids.map { state.schemas[$0]?.text ?? "" }) }
        }
        guard let (ids, texts) = found else { throw .subjectNotFound(subject) }
        let index = number == -1 ? ids.count - 1 : number - 1
        guard ids.indices.contains(index) else { throw .versionNotFound(version) }
        return Self.registered(subject: subject, id: ids[index], version: index + 1, text: texts[index])
    }

    // MARK: - Schemas

    private func schema(id text: String, versions: Bool) throws(RegistryFailure) -> JSONValue {
        guard let id = UInt32(text) else { throw .schemaNotFound(text) }
        let found = state.withLock { state in
            state.schemas[id].map { stored in
                (
                    stored.text,
                    state.subjects.sorted { $0.key < $1.key }.flatMap { subject, ids in
                        ids.indices.filter { ids[$0] == id }.map { (subject, $0 + 1) }
                    }
                )
            }
        }
        guard let (schema, uses) = found else { throw .schemaNotFound(text) }
        guard versions else { return .object(["schema": .string(schema)]) }
        return .array(uses.map { .object(["subject": .string($0.0), "version": .integer(Int64($0.1))]) })
    }

    /// The schema text of a register or look-up body, parsed; Avro only, no references.
    private static func schema(in body: [UInt8]) throws(RegistryFailure) -> (String, AvroSchema) {
        let request = try object(in: body)
        guard let text = request["schema"]?.stringValue else {
            throw .invalidSchema("the request has no \"schema\" string")
        }
        if let type = request["schemaType"], type != .null, type != .string("AVRO") {
            throw .invalidSchema("schema type \(type) is not supported: this development registry holds Avro only")
        }
        if case .array(let references)? = request["references"], !references.isEmpty {
            throw .invalidSchema("schema references are not supported by this development registry")
        }
        do {
            return (text, try AvroSchema(parsing: text))
        } catch {
            throw .invalidSchema("\(error)")
        }
    }

    // MARK: - Compatibility

    private func compatibility(of subject: String?) -> JSONValue {
        // A subject without a level of its own reports the global one (Confluent's
        // `defaultToGlobal=true`), rather than 404.
        let level = state.withLock { state in subject.map { state.compatibility(of: $0) } ?? state.globalCompatibility }
        return .object(["compatibilityLevel": .string(level.rawValue)])
    }

    private func setCompatibility(of subject: String?, _ body: [UInt8]) throws(RegistryFailure) -> JSONValue {
        let request = try Self.object(in: body)
        guard let name = request["compatibility"]?.stringValue,
            let level = SchemaRegistryServer.Compatibility(rawValue: name.uppercased())
        else {
            throw RegistryFailure(
                status: 422,
                errorCode: 42203,
                message: "Invalid compatibility level \(request["compatibility"].map { "\($0)" } ?? "(none)"): "
                    + "this development registry supports NONE and BACKWARD"
            )
        }
        state.withLock { state in
            if let subject { state.subjectCompatibility[subject] = level } else { state.globalCompatibility = level }
        }
        return .object(["compatibility": .string(level.rawValue)])
    }

    // MARK: - JSON

    private static func object(in body: [UInt8]) throws(RegistryFailure) -> [String: JSONValue] {
        guard let object = JSONValue.object(from: Data(body)) else {
            throw RegistryFailure(status: 400, errorCode: 400, message: "The request body is not a JSON object")
        }
        return object
    }

    private static func registered(subject: String, id: UInt32, version: Int, text: String) -> JSONValue {
        .object([
            "subject": .string(subject), "id": .integer(Int64(id)), "version": .integer(Int64(version)),
            "schema": .string(text),
        ])
    }

    private static func text(_ value: JSONValue) -> String {
        String(decoding: value.canonicalJSON, as: UTF8.self)
    }

    /// One path segment with its `%XX` escapes decoded (a subject may contain `/` or `%`); an
    /// invalid escape is kept as it is.
    static func percentDecoded(_ segment: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(segment.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
