import Inference

/// What the development registry holds: schemas by global id, subjects' versions, compatibility
/// levels. A value type, so ``SchemaRegistryServer`` keeps it in one `Mutex` and every request
/// sees and changes it atomically.
struct RegistryState {
    /// A schema as first registered, with its parse for compatibility checks.
    struct StoredSchema {
        let text: String
        let parsed: AvroSchema
    }

    var schemas: [UInt32: StoredSchema] = [:]
    /// One id per schema, whichever subjects share it: keyed by Parsing Canonical Form.
    var idsByCanonicalForm: [String: UInt32] = [:]
    /// Each subject's schema ids, version N at index N - 1.
    var subjects: [String: [UInt32]] = [:]
    var globalCompatibility: SchemaRegistryServer.Compatibility
    var subjectCompatibility: [String: SchemaRegistryServer.Compatibility] = [:]
    var nextID: UInt32 = 1

    init(compatibility: SchemaRegistryServer.Compatibility) {
        globalCompatibility = compatibility
    }

    func compatibility(of subject: String) -> SchemaRegistryServer.Compatibility {
        subjectCompatibility[subject] ?? globalCompatibility
    }

    /// The version of `subject` whose schema has `canonicalForm`, with its id.
    func version(of canonicalForm: String, under subject: String) -> (version: Int, id: UInt32)? {
        guard let id = idsByCanonicalForm[canonicalForm],
            let index = subjects[subject]?.firstIndex(of: id)
        else { return nil }
        return (index + 1, id)
    }

    /// Registers `schema` (already parsed) under `subject`: the existing id for a schema the subject
    /// has, else a new version after the compatibility check, reusing the id of an identical schema
    /// elsewhere.
    mutating func register(
        _ text: String,
        parsed: AvroSchema,
        under subject: String
    ) -> Result<UInt32, RegistryFailure> {
        if let existing = version(of: parsed.canonicalForm, under: subject) { return .success(existing.id) }
        if compatibility(of: subject) == .backward, let latestID = subjects[subject]?.last,
            let latest = schemas[latestID]
        {
            let reasons = parsed.incompatibilities(readingDataWrittenWith: latest.parsed)
            if !reasons.isEmpty {
                return .failure(
                    RegistryFailure(
                        status: 409,
                        errorCode: 409,
                        message: "Schema being registered is incompatible with an earlier schema for subject "
                            + "\"\(subject)\", details: [\(reasons.joined(separator: "; "))]"
                    )
                )
            }
        }
        let id: UInt32
        if let shared = idsByCanonicalForm[parsed.canonicalForm] {
            id = shared
        } else {
            id = nextID
            nextID += 1
            schemas[id] = StoredSchema(text: text, parsed: parsed)
            idsByCanonicalForm[parsed.canonicalForm] = id
        }
        subjects[subject, default: []].append(id)
        return .success(id)
    }
}

/// A refusal in the registry's JSON form: `{"error_code": N, "message": "..."}` with an HTTP status.
struct RegistryFailure: Error {
    let status: Int
    let errorCode: Int
    let message: String

    static func subjectNotFound(_ subject: String) -> RegistryFailure {
        RegistryFailure(status: 404, errorCode: 40401, message: "Subject '\(subject)' not found.")
    }

    static func versionNotFound(_ version: String) -> RegistryFailure {
        RegistryFailure(status: 404, errorCode: 40402, message: "Version \(version) not found.")
    }

    static func schemaNotFound(_ what: String) -> RegistryFailure {
        RegistryFailure(status: 404, errorCode: 40403, message: "Schema \(what) not found")
    }

    static func invalidSchema(_ reason: String) -> RegistryFailure {
        RegistryFailure(status: 422, errorCode: 42201, message: "Invalid schema: \(reason)")
    }

    static let notFound = RegistryFailure(status: 404, errorCode: 404, message: "HTTP 404 Not Found")
    static let methodNotAllowed = RegistryFailure(status: 405, errorCode: 405, message: "HTTP 405 Method Not Allowed")
    static let tooLarge = RegistryFailure(
        status: 413,
        errorCode: 413,
        message: "Request body larger than \(SchemaRegistryServer.maxRequestBytes) bytes"
    )
}
