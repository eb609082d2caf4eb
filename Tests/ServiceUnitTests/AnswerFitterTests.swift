import Kafka
import Service
import Testing

@Suite struct AnswerFitterTests {
    let fitter = AnswerFitter(maxMessageBytes: 1_000_000)
    let source = TopicPartitionOffset(topic: "requests", partition: 3, offset: 250)

    func header(_ name: String, of record: OutputRecord) -> String? {
        record.headers.first { $0.name == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    func deadLetter(key: Int, value: Int, inputHeader: Int = 0) -> OutputRecord {
        OutputRecord(
            destination: .deadLetter,
            ticket: .init(rawValue: 7),
            key: [UInt8](repeating: 0x6B, count: key),
            value: [UInt8](repeating: 0xFF, count: value),
            headers: (inputHeader > 0
                ? [KafkaHeader(name: "x-big", value: [UInt8](repeating: 1, count: inputHeader))] : [])
                + [
                    KafkaHeader(name: DeadLetterHeader.error, string: "notJSON"),
                    KafkaHeader(name: DeadLetterHeader.sourceOffset, string: "250"),
                ],
            receivedNanoseconds: 0
        )
    }

    @Test func anAnswerThatFitsIsLeftAlone() {
        let letter = deadLetter(key: 10, value: 500_000)
        let fitted = fitter.fitted(letter, source: source)
        #expect(fitted.value == letter.value && fitted.headers == letter.headers && fitted.key == letter.key)
    }

    @Test func aPredictionWhoseKeyIsTooLargeBecomesAnAnswerTooLargeDeadLetterThatFits() {
        let prediction = OutputRecord(
            destination: .prediction,
            ticket: .init(rawValue: 7),
            key: [UInt8](repeating: 0x6B, count: 999_950),
            value: Array(#"{"score":1.5,"anomalous":true}"#.utf8),
            receivedNanoseconds: 0
        )
        let fitted = fitter.fitted(prediction, source: source)
        #expect(fitted.destination == .deadLetter)
        #expect(header(DeadLetterHeader.error, of: fitted) == "answerTooLarge")
        #expect(header(DeadLetterHeader.sourceOffset, of: fitted) == "250")
        #expect(header(DeadLetterHeader.truncatedFields, of: fitted) == "key")
        #expect(fitted.value == prediction.value, "the verdict survives as the value")
        #expect(AnswerFitter.wireBytes(of: fitted) <= 1_000_000)
    }

    @Test func aDeadLetterTooLargeLosesInputHeadersThenKeyThenValueTailAndIsMarked() {
        let fitted = fitter.fitted(deadLetter(key: 100_960, value: 899_000, inputHeader: 120_000), source: source)
        #expect(!fitted.headers.contains { $0.name == "x-big" })
        #expect(fitted.key?.count == AnswerFitter.keptKeyBytes)
        #expect(header(DeadLetterHeader.truncated, of: fitted) == "true")
        #expect(header(DeadLetterHeader.truncatedFields, of: fitted) == "headers,key")
        #expect(header(DeadLetterHeader.error, of: fitted) == "notJSON", "the service's own headers stay")
        #expect(AnswerFitter.wireBytes(of: fitted) <= 1_000_000)

        let long = fitter.fitted(deadLetter(key: 10, value: 2_000_000), source: source)
        #expect(header(DeadLetterHeader.truncatedFields, of: long) == "value")
        #expect((long.value?.count ?? 0) > 990_000 && AnswerFitter.wireBytes(of: long) <= 1_000_000)
    }

    @Test func theMinimalDeadLetterIsSmallAndSaysWhoRefusedWhat() {
        let refusal = KafkaError(code: .messageTooLarge, reason: "delivery: Broker: Message size too large")
        let letter = fitter.minimalDeadLetter(
            ticket: .init(rawValue: 7),
            key: [UInt8](repeating: 1, count: 5_000),
            value: [UInt8](repeating: 2, count: 500_000),
            source: source,
            refusedBy: "predictions",
            refusal: refusal,
            receivedNanoseconds: 0
        )
        #expect(letter.destination == .deadLetter)
        #expect(header(DeadLetterHeader.error, of: letter) == "answerTooLarge")
        #expect(header(DeadLetterHeader.detail, of: letter)?.contains("'predictions' refused") == true)
        #expect(header(DeadLetterHeader.truncatedFields, of: letter) == "key,value")
        #expect(AnswerFitter.wireBytes(of: letter) <= 20_000)
    }
}

@Suite struct ByteBoundTests {
    @Test(arguments: [
        ("268435456", 268_435_456), ("256MiB", 256 << 20), ("1GiB", 1 << 30), ("64 KiB", 64 << 10), ("4096B", 4_096),
    ])
    func byteSizesTakeBinarySuffixes(_ text: String, _ bytes: Int) {
        #expect(ServiceConfiguration.byteCount(text) == bytes)
    }

    @Test(arguments: ["", "lots", "1.5GiB", "-1MiB", "10MB", "99999999999GiB"])
    func malformedByteSizesAreRefused(_ text: String) {
        #expect(ServiceConfiguration.byteCount(text) == nil)
    }

    @Test func maxInFlightBytesBelowFourMebibytesIsRefusedNamingTheSetting() {
        var configuration = ServiceConfiguration()
        #expect {
            try configuration.set("max-in-flight-bytes", "1MiB", source: "flag --max-in-flight-bytes")
        } throws: { error in
            "\(error)".contains("max-in-flight-bytes") && "\(error)".contains("1MiB")
        }
    }

    @Test func theByteBoundSizesLibrdkafkasQueuesUnlessAPropertyIsGiven() throws {
        var configuration = ServiceConfiguration()
        try configuration.set("max-in-flight-bytes", "64MiB", source: "test")
        try configuration.set("consumers", "2", source: "test")
        let shares = configuration.inFlightByteShares
        #expect(shares.total == 64 << 20 && shares.pipeline == 32 << 20 && shares.producerQueue == 16 << 20)
        #expect(shares.prefetchPerConsumer == 8 << 20)
        #expect(try configuration.producerConfiguration()["queue.buffering.max.kbytes"] == "16384")
        #expect(try configuration.consumerConfiguration()["queued.max.messages.kbytes"] == "4096")
        #expect(try configuration.consumerConfiguration()["fetch.max.bytes"] == "4194304")
        configuration.kafkaProducer = ["queue.buffering.max.kbytes=1024"]
        #expect(try configuration.producerConfiguration()["queue.buffering.max.kbytes"] == "1024")
    }

    @Test func withoutASettingTheBoundIsAGibibyteOrHalfTheContainerLimit() {
        let total = ServiceConfiguration().inFlightByteShares.total
        #expect(total <= 1 << 30 && total >= 4 << 20)
    }
}
