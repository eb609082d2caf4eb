extension DecodingError {
    /// What is wrong with a JSON document, in JSON's terms: the key path and the kind of value
    /// expected ("a number", "a string"). Swift's own description names Swift types and coding
    /// keys, and this text ends up in an operator's error message.
    var plainDescription: String {
        switch self {
        case .typeMismatch(let type, let context):
            return "\(Self.place(context.codingPath)) should be \(Self.jsonKind(type))"
        case .valueNotFound(let type, let context):
            return "\(Self.place(context.codingPath)) is null; it should be \(Self.jsonKind(type))"
        case .keyNotFound(let key, let context):
            return "\(Self.place(context.codingPath + [key])) is missing"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "it is not valid JSON" : "\(Self.place(context.codingPath)) has an invalid value"
        @unknown default:
            return "it does not decode"
        }
    }

    /// Any error of a JSON decoder in plain words.
    static func plainDescription(of error: any Error) -> String {
        (error as? DecodingError)?.plainDescription ?? "it is not valid JSON"
    }

    private static func place(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "the document" }
        let keys = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return "key '" + keys.joined(separator: ".").replacingBracketDots() + "'"
    }

    private static func jsonKind(_ type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type, is any BinaryFloatingPoint.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is any Collection.Type:
            "\(type)".hasPrefix("Dictionary") ? "an object" : "an array"
        default: "an object"
        }
    }
}

extension String {
    /// `blocks.[2].field` as `blocks[2].field`.
    fileprivate func replacingBracketDots() -> String {
        var out = ""
        for character in self {
            if character == "[", out.last == "." { out.removeLast() }
            out.append(character)
        }
        return out
    }
}
