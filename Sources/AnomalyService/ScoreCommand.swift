import ArgumentParser
import Foundation
import Inference

/// `anomaly-service score`: offline scoring of JSONL or CLF requests with a model file.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "Score requests offline (not yet).")
    func run() throws { throw ValidationError("not implemented yet") }
}
