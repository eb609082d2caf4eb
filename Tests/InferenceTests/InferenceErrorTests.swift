import Testing

@testable import Inference

@Suite struct InferenceErrorTests {
    @Test func descriptionIsThePlainReasonForTheCommandLine() {
        let error = InferenceError(code: .invalidModel, reason: "bad magic")
        #expect(error.description == "bad magic")
        #expect(!"\(error)".contains("InferenceError"))
    }

    @Test func debugDescriptionNamesTheCodeAndWhereItWasRaised() {
        let error = InferenceError.invalidModel("bad magic")
        #expect(String(reflecting: error).hasPrefix("InferenceError.invalidModel: bad magic ["))
        #expect(String(reflecting: error).contains("InferenceErrorTests.swift"))
    }

    @Test func aFileThatIsNotAModelIsRefusedSayingWhatItStartsWithAndWhatWasExpected() {
        let requests = Array(#"{"id":"g-0","path":"/"}"#.utf8)
        #expect {
            try SVMModel(fileBytes: requests)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("not a model file") && text.contains(#"{"id":"g"#) && text.contains("ASVMLZ4")
        }
        #expect {
            try SVMModel(fileBytes: [])
        } throws: { error in
            "\(error)".contains("empty")
        }
        #expect {
            try SVMModel(fileBytes: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
        } throws: { error in
            "\(error)".contains("1f 8b 08 00")
        }
    }
}
