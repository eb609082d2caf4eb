import Foundation
import Service
import TestSupport
import Testing

/// `serve --shadow-model` with a file it cannot use: the start stops before the broker is waited
/// for, naming the shadow file and the problem.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ShadowServeTests {
    @Test func aBadShadowModelStopsServeAtStartNamingTheFile() throws {
        let path = BadModelMemoryTests.temporaryPath("shadow") + ".model"
        try Data(TestModel.lyingFrame).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ServiceConfiguration()
        configuration.model = TestModel.defaultModel
        let run = try BadModelMemoryTests.serve(configuration, extra: ["--shadow-model", path])
        #expect(run.status == 1, "\(run.output.suffix(2_000))")
        #expect(
            run.output.contains("shadow-model '\(path)' refused: LZ4 frame declares 2147483648 bytes"),
            "\(run.output.suffix(2_000))"
        )
        #expect(!run.output.contains("waiting for broker"), "refused before the broker wait")
    }
}
