/// A part of a request that the part model (extractor `http-parts-v3`) scores on its own.
///
/// Attacks live in one place of a request: one parameter value among benign ones, the path, a
/// header. Scoring each part alone and taking the largest score means one malicious value is not
/// diluted by the benign rest, and a short request is judged by what it has, not by what it lacks.
public enum RequestPart: UInt8, CaseIterable, Sendable {
    /// The path, percent-decoded.
    case path
    /// One form parameter's value (query or form body).
    case param
    /// The names of all form parameters of the query and body, joined by `&`.
    case names
    /// A body that is not form data (JSON, XML, text), whole.
    case body
    /// The `User-Agent` header.
    case userAgent
    /// The `Referer` header: its path and each of its query values are parts of this kind.
    case referer

    /// The name predictions and the trainer use.
    public var name: String {
        switch self {
        case .path: "path"
        case .param: "param"
        case .names: "names"
        case .body: "body"
        case .userAgent: "user_agent"
        case .referer: "referer"
        }
    }

    /// `name` as JSON-ready bytes, made once.
    public static let nameBytes: [[UInt8]] = allCases.map { Array($0.name.utf8) }
}
