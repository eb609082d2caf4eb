import Foundation
import Testing

@testable import Inference

/// Hostile model files: whatever a file declares, loading allocates no more than
/// the file can honestly hold and the caller allows, and each refusal says which figure was over.
@Suite struct ModelLimitTests {
    /// Magic plus an LZ4 frame header declaring 2^31 bytes of content, and nothing else: the
    /// outside tester's 23-byte file. (Header checksum: byte 1 of XXH32 of the descriptor bytes
    /// `6C 40 00 00 00 80 00 00 00 00`.)
    static let lyingFrame: [UInt8] = [
        0x41, 0x53, 0x56, 0x4D, 0x4C, 0x5A, 0x34, 0x00, 0x04, 0x22, 0x4D, 0x18, 0x6C, 0x40, 0x00, 0x00, 0x00,
        0x80, 0x00, 0x00, 0x00, 0x00, 0x78,
    ]

    /// The error `body` throws; records an issue when it throws none.
    static func refusal(_ body: () throws(InferenceError) -> Void) -> InferenceError? {
        do {
            try body()
            Issue.record("accepted")
            return nil
        } catch {
            return error
        }
    }

    /// A payload in the model format (docs/MODEL_FORMAT.md) with any header and arrays, CRC included.
    static func payload(header: String, floats: [Float]) -> [UInt8] {
        func append(_ value: UInt32, to bytes: inout [UInt8]) {
            bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        }
        var bytes = SVMModel.payloadMagic
        append(SVMModel.formatVersion, to: &bytes)
        append(UInt32(header.utf8.count), to: &bytes)
        bytes += Array(header.utf8)
        while bytes.count % 4 != 0 { bytes.append(0) }
        for value in floats { append(value.bitPattern, to: &bytes) }
        append(CRC32.checksum(bytes[...]), to: &bytes)
        return bytes
    }

    /// An RBF model of `count` all-zero support vectors over the default extractor widened to
    /// `hashedDimension`: megabytes of floats that LZ4 shrinks to kilobytes.
    static func zeroModel(hashedDimension: Int, count: Int = 1) -> SVMModel {
        var configuration = FeatureConfiguration.default
        configuration.hashedDimension = hashedDimension
        configuration.dimension = hashedDimension + NumericFeature.allCases.count
        return SVMModel(
            name: "zeros",
            version: "1",
            kernel: .rbf,
            gamma: 0.5,
            intercept: 0,
            dimension: configuration.dimension,
            supportVectors: [Float](repeating: 0, count: count * configuration.dimension),
            dualCoefficients: [Float](repeating: 1, count: count),
            featureConfiguration: configuration
        )
    }

    @Test func aFrameDeclaringMoreContentThanItsSizeCanHoldIsRefusedBeforeDecoding() throws {
        #expect(Self.lyingFrame.count == 23)
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: Self.lyingFrame) }
        #expect(error?.code == .invalidModel)
        #expect(
            error?.reason.contains("declares 2147483648 bytes of content in 15 bytes") == true,
            "\(String(describing: error))"
        )
    }

    @Test func aFrameDeclaringMoreContentThanTheLimitIsRefusedNamingBoth() throws {
        let file = SVMModel.fileMagic + LZ4Frame.encode([UInt8](repeating: 0, count: 2 << 20))
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: file, maxBytes: 1 << 20) }
        #expect(error?.code == .modelTooLarge)
        #expect(
            error?.reason == "LZ4 frame declares 2097152 bytes of content, over the limit of 1048576 bytes",
            "\(String(describing: error))"
        )
    }

    @Test func aFrameWithoutAContentSizeIsRefusedOnceItInflatesPastTheLimit() throws {
        let frame = LZ4Frame.encode([UInt8](repeating: 0, count: 2 << 20), storingContentSize: false)
        let error = Self.refusal { () throws(InferenceError) in
            _ = try SVMModel(fileBytes: SVMModel.fileMagic + frame, maxBytes: 1 << 20)
        }
        #expect(error?.code == .modelTooLarge)
        #expect(
            error?.reason.contains("inflates past the limit of 1048576 bytes") == true,
            "\(String(describing: error))"
        )
    }

    @Test func aFrameWithoutAContentSizeDecodesInGrowingChunks() throws {
        // 4 MB of mostly zero floats in a frame of 17 KB: the buffer starts at 4 × the frame's size
        // (at least 64 KiB) and doubles.
        let model = Self.zeroModel(hashedDimension: 1 << 16, count: 15)
        let payload = model.encodedPayload()
        let frame = LZ4Frame.encode(payload, storingContentSize: false)
        #expect(payload.count > 8 * max(1 << 16, 4 * frame.count))
        let read = try SVMModel(fileBytes: SVMModel.fileMagic + frame)
        #expect(read.supportVectorCount == 15 && read.dimension == model.dimension)
        #expect(read.supportVectors == model.supportVectors)
    }

    @Test func theMostCompressibleHonestFrameFitsTheRatioBound() throws {
        let content = [UInt8](repeating: 0, count: 16 << 20)
        let frame = LZ4Frame.encode(content)
        #expect(frame.count * LZ4Frame.maxRatio + LZ4Frame.ratioSlack >= content.count)
        let decoded = try unsafe frame.withUnsafeBytes { bytes throws(InferenceError) in
            try unsafe LZ4Frame.decode(bytes, maxContentSize: 16 << 20)
        }
        #expect(decoded == content)
    }

    @Test func aHeaderLyingAboutItsCountsIsRefusedBeforeItsArraysAreRead() throws {
        let configuration = ModelFileTests.configuration(dimension: 48).canonicalJSON()
        let header =
            #"{"kernel":"rbf","gamma":0.5,"intercept":0,"threshold":0,"n_sv":16777216,"dim":16777216,"feature_config":"#
            + configuration + "}"
        let file = SVMModel.fileMagic + LZ4Frame.encode(Self.payload(header: header, floats: [0, 1, 0]))
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: file) }
        #expect(error?.code == .invalidModel)
        #expect(
            error?.reason.contains("n_sv 16777216, dim 16777216 and 0 categories: 1125900041060352 bytes") == true,
            "\(String(describing: error))"
        )
    }

    @Test func aHeaderCountOverTwoToTheTwentyFourIsRefusedNamingIt() throws {
        let configuration = ModelFileTests.configuration(dimension: 48).canonicalJSON()
        let header =
            #"{"kernel":"rbf","gamma":0.5,"intercept":0,"threshold":0,"n_sv":1073741824,"dim":48,"feature_config":"#
            + configuration + "}"
        let file = SVMModel.fileMagic + LZ4Frame.encode(Self.payload(header: header, floats: [0, 1, 0]))
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(fileBytes: file) }
        #expect(error?.code == .invalidModel)
        #expect(
            error?.reason.hasPrefix("inconsistent header: kernel rbf, n_sv 1073741824, dim 48 (each at most 16777216")
                == true,
            "\(String(describing: error))"
        )
    }

    @Test func aDirectoryIsRefusedAsADirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-dir-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(contentsOf: directory) }
        #expect(error?.code == .io)
        #expect(error?.reason == "cannot read \(directory): is a directory")
    }

    @Test func aFileLargerThanAnyModelWithinTheLimitIsRefusedUnread() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(getpid()).model").path
        // A sparse file: 64 MiB long, no data written.
        _ = FileManager.default.createFile(atPath: path, contents: Data(SVMModel.fileMagic))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 64 << 20)
        try handle.close()
        let error = Self.refusal { () throws(InferenceError) in _ = try SVMModel(contentsOf: path, maxBytes: 1 << 20) }
        #expect(error?.code == .modelTooLarge)
        #expect(
            error?.reason.hasPrefix("the file is 67108864 bytes, over the limit of ") == true,
            "\(String(describing: error))"
        )
    }

    @Test func aSmallFileWhoseScoringNeedsGigabytesIsRefusedWithTheFigure() throws {
        // The tester's model: one support vector of hashed_dim 2^22, a file of about 70 KB.
        let file = Self.zeroModel(hashedDimension: 1 << 22).encodedFile()
        #expect(file.count < 100_000)
        let model = try SVMModel(fileBytes: file)
        let memory = model.scoringMemory(workers: 2, maxBatch: 64)
        // Per worker: 64 feature rows of 2^22 floats (1 GiB) and a transposed support vector.
        #expect(memory.workerBytes > 64 * 4 * (1 << 22))
        #expect(memory.totalBytes > 2 << 30)
        let error = Self.refusal { () throws(InferenceError) in
            try model.checkScoringMemory(workers: 2, maxBatch: 64, limit: 1 << 30)
        }
        #expect(error?.code == .modelTooLarge)
        #expect(error?.reason.contains("\(memory.totalBytes) bytes (model ") == true, "\(String(describing: error))")
        #expect(error?.reason.hasSuffix("over the limit of 1073741824 bytes") == true)
    }

    @Test func aModelOfTheShippedSizeFitsTheDefaultLimitWithManyWorkers() throws {
        let model = ModelFileTests.randomModel(kernel: .rbf, dimension: 4112, count: 687)
        let memory = try model.checkScoringMemory(workers: 16, maxBatch: 64, limit: SVMModel.defaultMaxBytes)
        #expect(memory.modelBytes > 4 * 687 * 4112)
        // Each worker holds a transposed copy of the support vectors and its batch of rows.
        #expect(memory.workerBytes > 4 * 687 * 4112 + 4 * 64 * 4112)
    }
}
