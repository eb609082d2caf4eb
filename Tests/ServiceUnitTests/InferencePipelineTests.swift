import Foundation
import Service
import TestSupport
import Testing

// No time limit: these run in microseconds, and a limit only measures how long Swift Testing
// kept them waiting behind the broker suites that block its threads.
@Suite
struct InferencePipelineTests {
    @Test func aModelFileThatIsNotAModelIsRefusedNamingTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("bad") + ".model").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        var configuration = ServiceConfiguration()
        configuration.model = path
        #expect {
            _ = try configuration.loadModel()
        } throws: { error in
            (error as? ServiceError)?.code == .configuration && "\(error)".contains(path)
        }
    }
}
