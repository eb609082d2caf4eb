import Foundation

/// The broker of one transport run, a process of its own: the embedded broker
/// (`anomaly-service broker`, librdkafka's mock cluster) or tansu (`bench/tansu.sh`), fresh each
/// run, with `requests`, `predictions` and `requests.dlq` of `partitions` each.
final class TransportBroker {
    let bootstrapServers: String
    let pid: Int32
    let kind: String
    private let embedded: ChildProcess?
    private let tansuPort: String?
    private var stopped = false

    init(tansu: Bool, serviceBinary: String, partitions: Int32, logDirectory: String) throws {
        if tansu {
            let output = try PythonSeedRun.run(
                ["bash", "bench/tansu.sh", "start", "0", String(partitions)],
                timeoutSeconds: 120
            )
            guard let pid = Self.value("pid: ", in: output).flatMap({ Int32($0) }),
                let bootstrap = Self.value("bootstrap: ", in: output)
            else { throw BenchError("bench/tansu.sh start printed no pid and bootstrap: \(output)") }
            self.pid = pid
            bootstrapServers = bootstrap
            tansuPort = bootstrap.split(separator: ":").last.map(String.init)
            embedded = nil
            kind = "tansu"
        } else {
            let process = try ChildProcess(
                [serviceBinary, "broker", "--port", "0", "--partitions", String(partitions)],
                log: "\(logDirectory)/broker.log"
            )
            // The address is its first line, printed within a second or so.
            let deadline = Clock.seconds() + 30
            var bootstrap: String?
            while bootstrap == nil {
                let text = (try? String(contentsOfFile: process.log, encoding: .utf8)) ?? ""
                bootstrap = Self.value("bootstrap: ", in: text)
                guard bootstrap == nil else { break }
                guard Clock.seconds() < deadline, !ProcessCPU.hasExited(process.pid) else {
                    throw BenchError("the embedded broker printed no address: \(process.logTail())")
                }
                usleep(20_000)
            }
            bootstrapServers = bootstrap ?? ""
            pid = process.pid
            embedded = process
            tansuPort = nil
            kind = "embedded"
        }
    }

    deinit { stop() }

    /// Stops the broker (idempotent).
    func stop() {
        guard !stopped else { return }
        stopped = true
        embedded?.terminate(timeoutSeconds: 10)
        if let tansuPort {
            _ = try? PythonSeedRun.run(["bash", "bench/tansu.sh", "stop", tansuPort], timeoutSeconds: 30)
        }
    }

    /// The rest of the first line of `text` that starts with `prefix`.
    private static func value(_ prefix: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
    }
}
