/// The one error type of the Inference module.
public struct InferenceError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; stable for callers to switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case malformedRequest
            case invalidModel
            case featureMismatch
            case io
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The input bytes are not a request in any accepted format.
        public static let malformedRequest = Code(.malformedRequest)
        /// A model file is truncated, corrupt, or of an unknown format.
        public static let invalidModel = Code(.invalidModel)
        /// A model's feature configuration does not match the extractor's.
        public static let featureMismatch = Code(.featureMismatch)
        /// Reading or writing a file failed.
        public static let io = Code(.io)

        public var description: String { String(describing: backing) }
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: UInt

    public var description: String { "InferenceError.\(code): \(reason)" }

    init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }
}
