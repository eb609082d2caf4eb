import Foundation
import Inference
import Platform
import Service
import TestSupport
import Testing

/// Values from files reach log lines escaped: a model's name and version cannot
/// forge a log line or send escape codes to an operator's terminal.
@Suite(.timeLimit(.minutes(1)))
struct LogInjectionTests {
    @Test func aReloadedModelsVersionIsEscapedInTheLog() throws {
        let path = try TestModel.write(version: "1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let models = ModelSwitch(try SVMModel(contentsOf: path))
        let capture = LogCapture()
        var configuration = ServiceConfiguration()
        configuration.model = path
        configuration.modelPollSeconds = 0
        let reloader = try ModelReloader(configuration: configuration, models: models, logger: capture.logger)
        defer { reloader.stop() }
        _ = try TestModel.write(version: "2\nlevel=critical forged\r\u{1b}[2J", to: path)
        reloader.requestReload()
        let deadline = Date().addingTimeInterval(20)
        while !capture.messages.contains(where: { $0.contains("model reloaded") }), Date() < deadline {
            sleepThread(for: .milliseconds(20))
        }
        let line = try #require(capture.messages.first { $0.contains("model reloaded") })
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1b}"), "\(line.debugDescription)")
        #expect(line.contains(#"service-test@2\nlevel=critical forged\r\u{1b}[2J"#), "\(line.debugDescription)")
    }
}
