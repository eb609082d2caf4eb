import FoundationEssentials
import Inference

/// A schema as a registry holds it under a subject.
public struct RegisteredSchema: Sendable, Equatable {
    public var subject: String
    /// The registry-wide id, the one Confluent's wire format puts after the magic byte.
    public var id: UInt32
    /// The schema's version under ``subject``, from 1.
    public var version: Int
    public var schema: String

    public init(subject: String, id: UInt32, version: Int, schema: String) {
        self.subject = subject
        self.id = id
        self.version = version
        self.schema = schema
    }
}

/// A client of Confluent Schema Registry's REST API (and of ``SchemaRegistryServer``): fetch a
/// schema by id, register one, read a subject's latest version. Avro only.
///
/// Every call is synchronous on the calling thread, with a fresh libcurl handle, bounded by the
/// configuration's timeout per URL; nothing is cached here (the pipeline caches by id).
/// Thread-safe: the client holds only its immutable configuration, and each call owns its handle.
public final class SchemaRegistryClient: Sendable {
    public let configuration: SchemaRegistryConfiguration

    /// Checks `configuration` (URLs, timeout, size limit, auth and TLS file pairing).
    ///
    /// - Throws: ``SchemaRegistryError`` `.configuration` naming the problem.
    public init(configuration: SchemaRegistryConfiguration) throws(SchemaRegistryError) {
        self.configuration = try configuration.validated()
    }

    /// `GET /schemas/ids/{id}`: the schema text of `id`.
    ///
    /// - Throws: ``SchemaRegistryError`` `.notFound` for an unknown id, `.invalidResponse` for a
    ///   schema that is not Avro, `.unavailable` when no registry answers.
    public func schema(id: UInt32) throws(SchemaRegistryError) -> String {
        let answer = try send("GET", path: "/schemas/ids/\(id)")
        try Self.requireAvro(answer, what: "schema \(id)")
        return try Self.string("schema", in: answer, what: "schema \(id)")
    }

    /// `POST /subjects/{subject}/versions` with `{"schema": text}`: the schema's id. The registry
    /// returns the existing id for a schema it already has.
    ///
    /// - Throws: ``SchemaRegistryError`` `.refused` when the registry refuses the schema (409
    ///   incompatible, 422 invalid), with its message; `.unavailable` when no registry answers.
    public func register(subject: String, schema: String) throws(SchemaRegistryError) -> UInt32 {
        let body = JSONValue.object(["schema": .string(schema)])
        let answer = try send("POST", path: "/subjects/\(Self.percentEncoded(subject))/versions", body: body)
        return try Self.id(in: answer, what: "the registration under '\(subject)'")
    }

    /// `GET /subjects/{subject}/versions/latest`: the subject's newest schema.
    ///
    /// - Throws: ``SchemaRegistryError`` `.notFound` for an unknown subject.
    public func latest(subject: String) throws(SchemaRegistryError) -> RegisteredSchema {
        let what = "the latest version of '\(subject)'"
        let answer = try send("GET", path: "/subjects/\(Self.percentEncoded(subject))/versions/latest")
        try Self.requireAvro(answer, what: what)
        guard let version = answer["version"]?.intValue else {
            throw .invalidResponse("\(what): the registry's answer has no version number")
        }
        return RegisteredSchema(
            subject: answer["subject"]?.stringValue ?? subject,
            id: try Self.id(in: answer, what: what),
            version: version,
            schema: try Self.string("schema", in: answer, what: what)
        )
    }

    // MARK: - Requests

    /// Sends one request to each URL in turn until one answers with other than a 5xx; the answer
    /// as a JSON object, or the error its status means.
    private func send(
        _ method: String,
        path: String,
        body: JSONValue? = nil
    ) throws(SchemaRegistryError) -> [String: JSONValue] {
        let bytes = body.map { Array($0.canonicalJSON) }
        var failures: [SchemaRegistryError] = []
        for (index, base) in configuration.urls.enumerated() {
            let isLast = index == configuration.urls.count - 1
            let response: RegistryHTTPResponse
            do {
                let request = RegistryHTTPRequest(method: method, url: base + path, body: bytes)
                response = try CurlEasyHandle().perform(request, configuration: configuration)
            } catch {
                // A transport failure passes to the next URL; anything else is the answer.
                guard error.code == .unavailable && !isLast else { throw Self.combining(failures, last: error) }
                failures.append(error)
                continue
            }
            do {
                return try Self.interpret(response, url: redactingCredentials(base) + path)
            } catch {
                // So does a 5xx; a 4xx is the registry's verdict, the same from any URL.
                let serverFailed = (500...599).contains(response.status)
                guard serverFailed && !isLast else { throw Self.combining(failures, last: error) }
                failures.append(error)
            }
        }
        // Unreachable: the last URL's outcome is returned or thrown above.
        throw Self.combining(failures.dropLast(), last: failures.last ?? .unavailable("no schema registry URL"))
    }

    /// The last error, its reason preceded by the earlier URLs' failures so that the operator
    /// sees why each was passed over.
    private static func combining(
        _ earlier: some Collection<SchemaRegistryError>,
        last: SchemaRegistryError
    ) -> SchemaRegistryError {
        guard !earlier.isEmpty else { return last }
        let reasons = (earlier.map(\.reason) + [last.reason]).joined(separator: "; ")
        return SchemaRegistryError(
            code: last.code,
            reason: reasons,
            httpStatus: last.httpStatus,
            registryErrorCode: last.registryErrorCode,
            file: last.file,
            line: last.line
        )
    }

    /// A 2xx answer's JSON object, or the error its status and body mean.
    static func interpret(
        _ response: RegistryHTTPResponse,
        url: String
    ) throws(SchemaRegistryError) -> [String: JSONValue] {
        let object = JSONValue.object(from: Data(response.body))
        if (200...299).contains(response.status) {
            guard let object else {
                throw .invalidResponse(
                    "schema registry \(url) answered \(response.status) with a body that is not a JSON object"
                )
            }
            return object
        }
        let registryCode = object?["error_code"]?.intValue
        let message = object?["message"]?.stringValue ?? Self.excerpt(response.body)
        let reason = "schema registry \(url) answered \(response.status)" + (message.isEmpty ? "" : ": \(message)")
        let code: SchemaRegistryError.Code =
            switch response.status {
            case 404 where [40401, 40402, 40403].contains(registryCode): .notFound
            case 401, 403, 429, 500...599: .unavailable
            case 400...499: .refused
            default: .invalidResponse  // 1xx or 3xx: redirects are not followed
            }
        throw SchemaRegistryError(
            code: code,
            reason: reason,
            httpStatus: response.status,
            registryErrorCode: registryCode
        )
    }

    // MARK: - Answers

    private static func requireAvro(_ answer: [String: JSONValue], what: String) throws(SchemaRegistryError) {
        guard let type = answer["schemaType"], type != .null else { return }
        guard type == .string("AVRO") else {
            throw .invalidResponse("\(what) is \(type); only Avro is supported")
        }
    }

    private static func string(
        _ key: String,
        in answer: [String: JSONValue],
        what: String
    ) throws(SchemaRegistryError) -> String {
        guard let value = answer[key]?.stringValue else {
            throw .invalidResponse("\(what): the registry's answer has no \"\(key)\" string")
        }
        return value
    }

    private static func id(in answer: [String: JSONValue], what: String) throws(SchemaRegistryError) -> UInt32 {
        guard let id = answer["id"]?.intValue.flatMap({ UInt32(exactly: $0) }) else {
            throw .invalidResponse("\(what): the registry's answer has no schema id (an unsigned 32-bit number)")
        }
        return id
    }

    /// The first 200 bytes of a body that is not the registry's JSON, for the message.
    private static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return String(text.filter { !$0.isNewline })
    }

    /// `text` as one URL path segment: every byte but RFC 3986's unreserved characters
    /// percent-encoded (as Python's `quote(text, safe='')`), so `/`, `?` and `%` in a subject stay
    /// in the subject.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }
}
