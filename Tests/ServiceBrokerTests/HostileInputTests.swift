import Foundation
import Inference
import Kafka
import Platform
import Service
import TestSupport
import Testing

/// Reliability scenario 5 (docs/RELIABILITY.md): hostile input through the real pipeline over the
/// embedded broker. Each input is scored on a bounded prefix or dead-lettered with a reason;
/// nothing is lost and nothing crashes the service.
@Suite(.timeLimit(.minutes(3)))
struct HostileInputTests {
    enum Outcome {
        case scored
        case deadLettered(String)
        /// Either, as long as a dead letter says why (bytes whose format the parser must guess).
        case answered
    }

    /// The hostile inputs, each with the answer it must get.
    static func cases() -> [(name: String, key: [UInt8], value: [UInt8], outcome: Outcome)] {
        // Every byte value, in a fixed scrambled order (Knuth's multiplicative hash).
        let binary = (0..<4096).map { UInt8(truncatingIfNeeded: (UInt32($0) &* 2_654_435_761) >> 13) }
        let megabyteBody =
            Array(#"{"path":"/upload","body":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20)
            + Array(#""}"#.utf8)
        let manyHeaders =
            #"{"path":"/h","headers":{"# + (0..<10_000).map { #""x-h\#($0)":"v\#($0)""# }.joined(separator: ",") + "}}"
        let deep =
            #"{"path":"/d","extra":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            + "}"
        let deepObject = String(repeating: #"{"a":"#, count: 500) + "1" + String(repeating: "}", count: 500)
        let manyParameters =
            #"{"path":"/p","query":""# + (0..<5_000).map { "p\($0)=\($0)" }.joined(separator: "&") + #""}"#
        func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
        return [
            ("empty", utf8("k-empty"), [], .deadLettered("empty")),
            ("blank", utf8("k-blank"), utf8(" \n\t "), .deadLettered("empty")),
            (
                "invalid UTF-8 in a string", utf8("k-utf8"), utf8(#"{"path":"/a"#) + [0xC3, 0x28] + utf8(#""}"#),
                .deadLettered("invalidUTF8")
            ),
            (
                "overlong UTF-8", utf8("k-overlong"), utf8(#"{"path":"/"#) + [0xC0, 0xAF] + utf8(#""}"#),
                .deadLettered("invalidUTF8")
            ),
            (
                "UTF-16 surrogate in UTF-8", utf8("k-surrogate"),
                utf8(#"{"path":"/"#) + [0xED, 0xA0, 0x80] + utf8(#""}"#), .deadLettered("invalidUTF8")
            ),
            ("binary", utf8("k-binary"), binary, .answered),
            ("NUL bytes", utf8("k-nul"), utf8(#"{"path":"/a"#) + [0, 0, 0] + utf8(#""}"#), .answered),
            ("escaped NUL", utf8("k-escaped-nul"), utf8(#"{"path":"/a\u0000b","query":"x=\u0000"}"#), .scored),
            ("1 MB body", utf8("k-megabyte"), megabyteBody, .scored),
            ("10,000 headers", utf8("k-headers"), utf8(manyHeaders), .scored),
            ("5,000 parameters", utf8("k-parameters"), utf8(manyParameters), .scored),
            ("deeply nested array", utf8("k-deep-array"), utf8(deep), .deadLettered("tooDeep")),
            ("deeply nested object", utf8("k-deep-object"), utf8(deepObject), .deadLettered("tooDeep")),
            ("truncated JSON", utf8("k-truncated"), utf8(#"{"path":"/a","query":"q=1"#), .deadLettered("truncated")),
            ("truncated escape", utf8("k-truncated-escape"), utf8(#"{"path":"/a\u00"#), .answered),
            ("duplicate keys", utf8("k-duplicates"), utf8(#"{"path":"/a","path":"/b","path":"/c"}"#), .answered),
            ("wrong types", utf8("k-types"), utf8(#"{"path":["/a"],"headers":"x"}"#), .deadLettered("wrongFieldType")),
            (
                "CLF with broken quoting", utf8("k-clf-quotes"),
                utf8(#"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] "GET /a?x=" OR 1=1 HTTP/1.1" 200 1 "-" "ua"#),
                .answered
            ),
            (
                "CLF with an unclosed quote", utf8("k-clf-unclosed"),
                utf8(#"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1 200 1 "-" "ua"#), .answered
            ),
            (
                "CLF with a 100 KB target", utf8("k-clf-long"),
                utf8(
                    #"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] "GET /"#
                        + String(repeating: "%2e%2e/", count: 15_000) + #" HTTP/1.1" 200 1 "-" "ua""#
                ),
                .scored
            ),
            ("100 KB key", Array(repeating: UInt8(ascii: "k"), count: 100_000), utf8(#"{"path":"/k"}"#), .scored),
            (
                "percent-encoding bomb", utf8("k-percent"),
                utf8(#"{"path":"/"# + String(repeating: "%25", count: 20_000) + #"41"}"#), .scored
            ),
        ]
    }

    /// Inputs with headers or a null value, and the JSON and UTF-8 edge cases.
    static func headerAndEdgeCases() -> [(
        name: String, key: [UInt8], value: [UInt8]?, headers: [KafkaHeader], outcome: Outcome
    )] {
        func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
        let forged = [
            KafkaHeader(name: "x-anomaly-error", string: "forged"),
            KafkaHeader(name: "X-Anomaly-Source-Offset", string: "999999"),
            KafkaHeader(name: "x-anomaly-truncated", string: "true"),
            KafkaHeader(name: "trace-id", string: "t-1"),
        ]
        let longID = String(repeating: "a", count: RequestLimits.default.capacity(of: .id) - 1) + "é-tail"
        return [
            (
                "forged dead-letter headers", utf8("k-forged"), utf8(#"{"path":3}"#), forged,
                .deadLettered("wrongFieldType")
            ),
            (
                "1 MB dead letter with a forged truncation mark", utf8("k-forged-cut"),
                utf8("{") + Array(repeating: UInt8(ascii: "a"), count: 1 << 20), forged, .deadLettered("invalidJSON")
            ),
            ("tombstone", utf8("k-tombstone"), nil, [], .deadLettered("empty")),
            ("JSON after a byte-order mark", utf8("k-bom"), [0xEF, 0xBB, 0xBF] + utf8(#"{"path":"/a"}"#), [], .scored),
            ("id 0123", utf8("k-id-zero"), utf8(#"{"id":0123,"path":"/a"}"#), [], .deadLettered("invalidJSON")),
            ("id 1e400", utf8("k-id-exponent"), utf8(#"{"id":1e400,"path":"/a"}"#), [], .deadLettered("invalidID")),
            ("id 1.5", utf8("k-id-fraction"), utf8(#"{"id":1.5,"path":"/a"}"#), [], .deadLettered("invalidID")),
            ("id cut mid-character", utf8("k-id-cut"), utf8(#"{"id":"\#(longID)","path":"/a"}"#), [], .scored),
        ]
    }

    @Test func everyHostileInputIsScoredOnAPrefixOrDeadLetteredWithAReason() throws {
        var fixture = try PipelineFixture(partitions: 2, consumers: 1, workers: 2)
        fixture.configuration.model = TestModel.defaultModel
        fixture.configuration.maxBatch = 8
        let cases: [(name: String, key: [UInt8], value: [UInt8]?, headers: [KafkaHeader], outcome: Outcome)] =
            Self.cases().map { ($0.name, $0.key, $0.value, [], $0.outcome) } + Self.headerAndEdgeCases()
        try fixture.send(
            cases.map(\.value),
            keys: cases.map(\.key),
            headers: cases.map(\.headers),
            messageMaxBytes: 8 << 20
        )

        let pipeline = try Pipeline(
            configuration: fixture.configuration,
            logger: PipelineFixture.logger,
            makeProcessor: makeInferenceProcessors(model: try fixture.configuration.loadModel(), maxBatch: 8)
        )
        let log = try AnswerLog(fixture)
        try pipeline.start()
        _ = log.wait(for: cases.count, seconds: 60)
        sleepThread(for: .milliseconds(500))  // a second answer to any input would arrive now
        #expect(pipeline.stop(timeoutSeconds: 20))
        let messages = log.loop.messages
        let predictions = messages.filter { $0.topic == fixture.configuration.output }
        let deadLetters = messages.filter { $0.topic == fixture.configuration.deadLetter }

        var answers: [[UInt8]: [String]] = [:]  // key -> "scored" or the dead letter's reason
        for message in predictions {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            let score = try #require(json["score"] as? Double)
            #expect(score.isFinite)
            if message.key == Array("k-id-cut".utf8) {
                let id = try #require(json["id"] as? String)
                #expect(id == String(repeating: "a", count: 255), "cut before the 2-byte character, not through it")
            }
            answers[message.key ?? [], default: []].append("scored")
        }
        for message in deadLetters {
            Self.checkServiceHeaders(of: message)
            let reason = message.headers.first { $0.name == DeadLetterHeader.error }.map {
                String(decoding: $0.value ?? [], as: UTF8.self)
            }
            let detail = message.headers.first { $0.name == DeadLetterHeader.detail }?.value ?? []
            #expect(reason?.isEmpty == false && !detail.isEmpty, "a dead letter names its reason")
            answers[message.key ?? [], default: []].append(reason ?? "")
        }
        for entry in cases {
            let got = answers[entry.key] ?? []
            #expect(got.count == 1, "\(entry.name): \(got.count) answers \(got)")
            guard let answer = got.first else { continue }
            print("hostile input \(entry.name): \(answer)")
            switch entry.outcome {
            case .scored: #expect(answer == "scored", "\(entry.name): \(answer)")
            case .deadLettered(let reason): #expect(answer == reason, "\(entry.name): \(answer)")
            case .answered: break
            }
        }
        let byKey = Dictionary(deadLetters.map { ($0.key ?? [], $0) }) { first, _ in first }
        let tombstone = try #require(byKey[Array("k-tombstone".utf8)])
        #expect(tombstone.isTombstone, "a tombstone's dead letter keeps its null value")
        let empty = try #require(byKey[Array("k-empty".utf8)])
        #expect(!empty.isTombstone && empty.value.isEmpty, "an empty value stays empty, not null")
        let forged = try #require(byKey[Array("k-forged".utf8)])
        #expect(forged.headers.map(\.name).suffix(1) == ["trace-id"], "the input's other headers follow")
        #expect(!forged.headers.contains { $0.name == DeadLetterHeader.truncated }, "no forged truncation mark")
        let cut = try #require(byKey[Array("k-forged-cut".utf8)])
        #expect(cut.value.count > 990_000 && cut.value.count < 1_000_000, "cut to message.max.bytes")
        #expect(
            cut.headers.map(\.name).suffix(3) == [
                DeadLetterHeader.truncated, DeadLetterHeader.truncatedFields, "trace-id",
            ]
        )
        let counts = pipeline.counters.snapshot
        #expect(counts.predicted + counts.deadLettered == cases.count)
        print(
            "hostile input: \(cases.count) inputs, \(counts.predicted) scored, \(counts.deadLettered) dead-lettered, 0 lost"
        )
    }

    /// The service's own headers come first, each once, with the record's real position; no input
    /// header in the `x-anomaly-` namespace follows them.
    static func checkServiceHeaders(of message: KafkaMessage) {
        let names = message.headers.map(\.name)
        let service = [
            DeadLetterHeader.error, DeadLetterHeader.detail, DeadLetterHeader.sourceTopic,
            DeadLetterHeader.sourcePartition, DeadLetterHeader.sourceOffset,
        ]
        #expect(Array(names.prefix(service.count)) == service, "\(names)")
        guard names.count >= service.count else { return }
        let reserved = names.filter(DeadLetterHeader.isReserved)
        let marks = [DeadLetterHeader.truncated, DeadLetterHeader.truncatedFields]
        // A value starting with a zero byte is read as Avro in the wire format: its id follows.
        let schema = [DeadLetterHeader.schemaID]
        #expect(
            [service, service + marks, service + schema, service + schema + marks].contains(reserved),
            "\(names)"
        )
        let offset = message.headers[4].value.map { String(decoding: $0, as: UTF8.self) }
        #expect(offset != "999999" && offset.flatMap { Int64($0) } != nil, "\(names)")
    }
}
