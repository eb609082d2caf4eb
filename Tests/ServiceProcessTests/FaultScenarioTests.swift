import Foundation
import Inference
import Kafka
import Platform
import Service
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Reliability scenarios 1-3 (docs/RELIABILITY.md): `anomaly-service serve` processes killed,
/// scaled out and cut off from their broker while requests stream in. Each ends with counts: every
/// input has an answer (0 lost), and duplicates stay within what a crash could not have committed.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct FaultScenarioTests {
    /// Sends `count` requests (keys `k-0...`) in chunks on its own thread, about `perSecond` a second.
    final class StreamingSender: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let failure = Mutex<String?>(nil)

        init(_ fixture: PipelineFixture, count: Int, perSecond: Int) {
            let requests = PipelineFixture.requests(count)
            let chunk = max(1, perSecond / 10)
            // Never joined: `wait()` waits for `done`, and the thread is detached when released.
            _ = try? PinnedThread(name: "streaming-sender", cpu: nil) { [self] in
                var start = 0
                while start < count {
                    let end = min(count, start + chunk)
                    do { try fixture.send(Array(requests[start..<end]), keyOffset: start) } catch {
                        failure.withLock { $0 = "\(error)" }
                        break
                    }
                    start = end
                    sleepThread(for: .milliseconds(100))
                }
                done.signal()
            }
        }

        /// Waits until everything was sent; nil, or why sending stopped.
        func wait() -> String? {
            done.wait()
            return failure.withLock { $0 }
        }
    }

    /// Inputs by key: partition and offset, read from the input topic.
    static func positions(_ fixture: PipelineFixture, count: Int) throws -> [String: (partition: Int32, offset: Int64)]
    {
        let inputs = try fixture.read(fixture.configuration.input, atLeast: count)
        return Dictionary(
            inputs.map { (String(decoding: $0.key ?? [], as: UTF8.self), ($0.partition, $0.offset)) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    @Test func fiveKillNinesAtRandomMomentsLoseNothingAndDuplicateOnlyTheUncommitted() throws {
        // Inputs stream in for about a minute, longer than five instances take to join and die.
        let count = 60_000
        var fixture = try PipelineFixture(partitions: 4)
        fixture.configuration.model = try TestModel.write()
        let log = try AnswerLog(fixture)
        let sender = StreamingSender(fixture, count: count, perSecond: 1_000)
        var moments: [Double] = []
        // After each kill: what was committed, and which inputs had an answer. An answered input at
        // or above its partition's committed offset is read again by the next instance.
        var snapshots: [(committed: [Int32: Int64], answered: Set<String>)] = []
        for kill in 1...5 {
            let service = try ServiceProcess(fixture.configuration)
            // Progress is any answer, even to an input answered before the last kill.
            let before = log.loop.messages.count
            #expect(
                eventually(seconds: 60) { log.loop.messages.count > before || log.answered.count == count },
                "instance \(kill) answered nothing: \(service.log.suffix(2_000))"
            )
            let moment = Double.random(in: 0.2...2.5)  // a random moment, 0.2-2.5 s in
            moments.append(moment)
            sleepThread(for: .seconds(moment))
            service.kill9()
            sleepThread(for: .milliseconds(1_500))  // the reader catches up with everything that reached the broker
            snapshots.append((try fixture.committedOffsets(partitions: 4), Set(log.answered.keys)))
        }
        let last = try ServiceProcess(fixture.configuration)
        #expect(sender.wait() == nil)
        let answered = log.wait(for: count, seconds: 120)
        last.terminate()
        #expect(last.waitForExit(seconds: 40) == 0, "\(last.log.suffix(2_000))")

        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(
            missing.isEmpty,
            "\(missing.count) inputs unanswered, e.g. \(missing.prefix(5)) (kills at \(moments) s)"
        )
        let positions = try Self.positions(fixture, count: count)
        let uncommitted = snapshots.reduce(0) { total, snapshot in
            total
                + snapshot.answered.filter { key in
                    guard let position = positions[key] else { return false }
                    return position.offset >= snapshot.committed[position.partition] ?? 0
                }.count
        }
        let duplicates = answered.values.reduce(0) { $0 + $1 - 1 }
        #expect(
            duplicates <= uncommitted,
            "\(duplicates) duplicates, but only \(uncommitted) answers were uncommitted at the kills"
        )
        print(
            "kill -9 x5 at \(moments.map { String(format: "%.1f", $0) }) s after progress: \(count) inputs, 0 lost, \(duplicates) duplicates, bound \(uncommitted) (answered but uncommitted at the kills)"
        )
    }

    @Test func threeInstancesJoiningAndLeavingUnderLoadLoseNothingAndOwnEveryPartition() throws {
        let count = 40_000
        let partitions: Int32 = 6
        var fixture = try PipelineFixture(partitions: partitions)
        fixture.configuration.model = try TestModel.write()
        let log = try AnswerLog(fixture)
        let sender = StreamingSender(fixture, count: count, perSecond: 3_000)
        let first = try ServiceProcess(fixture.configuration)
        #expect(eventually(seconds: 60) { log.answered.count > 0 }, "\(first.log.suffix(2_000))")
        let second = try ServiceProcess(fixture.configuration)
        let third = try ServiceProcess(fixture.configuration)
        sleepThread(for: .seconds(4))  // the group settles with three members
        var progress = log.answered.count
        #expect(eventually(seconds: 30) { log.answered.count > progress }, "no progress with three instances")
        second.terminate()  // leaves cleanly
        #expect(second.waitForExit(seconds: 40) == 0, "\(second.log.suffix(2_000))")
        progress = log.answered.count
        third.kill9()  // leaves by crashing: its partitions return after the session timeout
        let fourth = try ServiceProcess(fixture.configuration)
        #expect(eventually(seconds: 60) { log.answered.count > progress }, "no progress after the changes")
        #expect(sender.wait() == nil)
        let answered = log.wait(for: count, seconds: 120)
        first.terminate()
        fourth.terminate()
        #expect(first.waitForExit(seconds: 40) == 0, "\(first.log.suffix(2_000))")
        #expect(fourth.waitForExit(seconds: 40) == 0, "\(fourth.log.suffix(2_000))")

        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) inputs unanswered, e.g. \(missing.prefix(5))")
        // Every partition was owned to its end: the group committed each one's last offset.
        let inputs = try fixture.read(fixture.configuration.input, atLeast: count)
        let ends = fixture.inputCounts(inputs)
        let committed = try fixture.committedOffsets(partitions: partitions)
        for partition in 0..<partitions {
            #expect(
                committed[partition] == ends[partition],
                "partition \(partition): committed \(String(describing: committed[partition])) of \(String(describing: ends[partition]))"
            )
        }
        let duplicates = answered.values.reduce(0) { $0 + $1 - 1 }
        print(
            "scale-out (3 instances, one leaving, one killed, one joining): \(count) inputs, 0 lost, \(duplicates) duplicates, \(partitions) of \(partitions) partitions committed to the end"
        )
    }

    @Test func aBrokerUnreachableAtStartIsWaitedForWithClearLogs() throws {
        let port = try Self.freePort()
        var configuration = try PipelineFixture(partitions: 1).configuration  // names only
        configuration.brokers = "127.0.0.1:\(port)"
        configuration.model = try TestModel.write()
        let service = try ServiceProcess(configuration)
        sleepThread(for: .seconds(5))
        #expect(service.process.isRunning, "the service gave up instead of waiting: \(service.log.suffix(2_000))")
        #expect(service.log.contains("waiting for broker 127.0.0.1:\(port)"), "\(service.log.suffix(2_000))")

        let broker = try EmbeddedBroker(
            port: port,
            topics: [configuration.input: 4, configuration.output: 4, configuration.deadLetter: 4]
        )
        let fixture = PipelineFixture(broker: broker, configuration: configuration)
        let count = 10_000
        try fixture.send(PipelineFixture.requests(count))
        let log = try AnswerLog(fixture)
        let answered = log.wait(for: count, seconds: 120)
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) unanswered: \(service.log.suffix(2_000))")
        print("broker unreachable at start: waited, then \(count) inputs, 0 lost")
    }

    @Test func aBrokerDownForThirtySecondsMidRunLosesNothing() throws {
        let count = 30_000
        var fixture = try PipelineFixture(partitions: 4)
        fixture.configuration.model = try TestModel.write()
        let log = try AnswerLog(fixture)
        try fixture.send(PipelineFixture.requests(count / 2))
        let service = try ServiceProcess(fixture.configuration)
        #expect(eventually(seconds: 60) { log.answered.count > 1_000 }, "\(service.log.suffix(2_000))")
        try fixture.broker.setBrokerDown(1)
        let downAt = log.answered.count
        sleepThread(for: .seconds(30))
        #expect(service.process.isRunning, "the service died during the outage: \(service.log.suffix(2_000))")
        try fixture.broker.setBrokerUp(1)
        try fixture.send(Array(PipelineFixture.requests(count)[(count / 2)...]), keyOffset: count / 2)
        let answered = log.wait(for: count, seconds: 120)
        service.terminate()
        #expect(service.waitForExit(seconds: 40) == 0, "\(service.log.suffix(2_000))")
        let missing = (0..<count).filter { answered["k-\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) unanswered: \(service.log.suffix(2_000))")
        let duplicates = answered.values.reduce(0) { $0 + $1 - 1 }
        print("broker down 30 s mid-run (at \(downAt) answered): \(count) inputs, 0 lost, \(duplicates) duplicates")
    }

    /// A loopback port nothing listens on (bound, read, closed).
    static func freePort() throws -> UInt16 {
        struct NoPort: Error {}
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = unsafe inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = unsafe withUnsafeMutablePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                unsafe bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw NoPort() }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// Reliability scenario 8 (docs/RELIABILITY.md): a bad model file stops `serve` at start, before it
/// waits for any broker, with an error naming the file and what is wrong with it.
@Suite(.timeLimit(.minutes(2)))
struct BadModelFileTests {
    static func defaultModelBytes() throws -> [UInt8] {
        try Array(Data(contentsOf: URL(fileURLWithPath: TestModel.defaultModel)))
    }

    /// A model whose feature configuration names an extractor this build does not implement.
    static func unknownExtractorModel() throws -> [UInt8] {
        var configuration = FeatureConfiguration.default
        configuration.extractor = "http-ngram-v99"
        let model = SVMModel(
            name: "future",
            version: "1",
            kernel: .linear,
            intercept: 0,
            dimension: configuration.dimension,
            weights: [Float](repeating: 0.01, count: configuration.dimension),
            featureConfiguration: configuration
        )
        return model.encodedFile()
    }

    @Test(arguments: ["truncated", "wrong magic", "checksum mismatch", "feature configuration mismatch", "missing"])
    func aBadModelFileStopsServeAtStartNamingTheFileAndTheProblem(kind: String) throws {
        var bytes = try Self.defaultModelBytes()
        let reason: String
        switch kind {
        case "truncated":
            bytes = Array(bytes[..<(bytes.count / 2)])
            reason = "truncated"
        case "wrong magic":
            bytes[0] ^= 0xFF
            reason = "magic"
        case "checksum mismatch":
            bytes[bytes.count - 9] ^= 0x01
            reason = "checksum"
        case "feature configuration mismatch":
            bytes = try Self.unknownExtractorModel()
            reason = "http-ngram-v99"
        default:
            bytes = []
            reason = "No such file or directory"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Unique.name("bad") + ".model").path
        if kind != "missing" { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        var configuration = try PipelineFixture(partitions: 1).configuration
        configuration.brokers = "127.0.0.1:\(try FaultScenarioTests.freePort())"  // nothing there: must not matter
        configuration.model = path
        let service = try ServiceProcess(configuration)
        let status = service.waitForExit(seconds: 20)
        #expect(status != nil && status != 0, "\(kind): still running or exit 0: \(service.log.suffix(2_000))")
        #expect(service.log.contains(path), "\(kind): the error does not name the file: \(service.log.suffix(2_000))")
        #expect(
            service.log.localizedCaseInsensitiveContains(reason),
            "\(kind): the error does not say '\(reason)': \(service.log.suffix(2_000))"
        )
        print("bad model (\(kind)): exit \(status ?? -1): \(service.log.split(separator: "\n").last ?? "")")
    }
}
