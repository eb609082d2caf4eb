/// The one error type of the Inference module.
///
/// Create values with the static factories (``malformedRequest(_:detail:file:line:)``,
/// ``invalidModel(_:file:line:)``, ``modelTooLarge(_:file:line:)``, ``featureMismatch(_:file:line:)``,
/// ``io(_:file:line:)``, ``invalidSchema(_:file:line:)``, ``unusableSchema(_:file:line:)``); they
/// record where the error was raised.
///
/// ``description`` is the reason alone, a sentence for an operator: the command line prints it
/// after `Error: `, and logs embed it. ``debugDescription`` adds the code and where it was raised.
public struct InferenceError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is; stable for callers to switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case malformedRequest
            case invalidModel
            case modelTooLarge
            case featureMismatch
            case io
            case invalidSchema
            case unusableSchema
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The input bytes are not a request in any accepted format.
        public static let malformedRequest = Code(.malformedRequest)
        /// A model file is truncated, corrupt, or of an unknown format.
        public static let invalidModel = Code(.invalidModel)
        /// A model file is larger, or declares or needs more memory, than the limit allows.
        public static let modelTooLarge = Code(.modelTooLarge)
        /// A model's feature configuration does not match the extractor's.
        public static let featureMismatch = Code(.featureMismatch)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// An Avro schema is not valid JSON, breaks the Avro specification, is recursive, or
        /// exceeds ``AvroSchemaLimits``.
        public static let invalidSchema = Code(.invalidSchema)
        /// A valid Avro schema that cannot carry a request: its top level is not a record, a mapped
        /// field has a type the request field cannot take, or it has no path or query field.
        public static let unusableSchema = Code(.unusableSchema)

        public var description: String { String(describing: backing) }
    }

    public let code: Code
    public let reason: String
    /// For ``Code/malformedRequest``: the typed reason the parser refused the input.
    public let requestParseError: RequestParseError?
    public let file: String
    public let line: UInt

    public var description: String { reason }

    public var debugDescription: String { "InferenceError.\(code): \(reason) [\(file):\(line)]" }

    init(
        code: Code,
        reason: String,
        requestParseError: RequestParseError? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.requestParseError = requestParseError
        self.file = file
        self.line = line
    }

    /// The input is not a request: `error` says why.
    public static func malformedRequest(
        _ error: RequestParseError,
        file: String = #fileID,
        line: UInt = #line
    ) -> InferenceError {
        InferenceError(
            code: .malformedRequest,
            reason: error.rawValue,
            requestParseError: error,
            file: file,
            line: line
        )
    }

    /// A model file is truncated, corrupt, or of an unknown format.
    public static func invalidModel(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .invalidModel, reason: reason, file: file, line: line)
    }

    /// A model file is larger, or declares or needs more memory, than the limit allows; `reason`
    /// names the figure and the limit.
    public static func modelTooLarge(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .modelTooLarge, reason: reason, file: file, line: line)
    }

    /// A model's (or a configuration file's) feature configuration does not match the extractor's.
    public static func featureMismatch(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .featureMismatch, reason: reason, file: file, line: line)
    }

    /// An Avro schema is malformed, recursive or too large; `reason` names the type or field.
    public static func invalidSchema(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .invalidSchema, reason: reason, file: file, line: line)
    }

    /// A valid Avro schema cannot carry a request; `reason` names the field and what would do.
    public static func unusableSchema(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .unusableSchema, reason: reason, file: file, line: line)
    }

    /// Reading or writing a file failed.
    public static func io(_ reason: String, file: String = #fileID, line: UInt = #line) -> InferenceError {
        InferenceError(code: .io, reason: reason, file: file, line: line)
    }
}
