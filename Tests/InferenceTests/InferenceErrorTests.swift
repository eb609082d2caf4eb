import Testing

@testable import Inference

@Suite struct InferenceErrorTests {
    @Test func descriptionNamesCodeAndReason() {
        let error = InferenceError(code: .invalidModel, reason: "bad magic")
        #expect(error.description == "InferenceError.invalidModel: bad magic")
    }
}
