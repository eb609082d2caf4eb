import CLZ4

/// The LZ4 frame format (liblz4's `lz4frame.h`): the one owner of LZ4 calls in this module.
enum LZ4Frame {
    /// LZ4's best case: a match costs a token, an offset and one length byte per 255 bytes, so no
    /// block decodes to more than about 255 times its size. A frame declaring more lies.
    static let maxRatio = 255
    /// Allowed on top of ``maxRatio`` times the frame's size: headers, end marks and the literals
    /// every block must end with make tiny frames compress worse, never better.
    static let ratioSlack = 4_096

    /// The most content `compressedBytes` of frame can honestly hold.
    static func maxContent(ofFrame compressedBytes: Int) -> Int {
        compressedBytes.multipliedReportingOverflow(by: maxRatio).partialValue + ratioSlack
    }

    /// The largest frame that `contentBytes` of content can take (incompressible blocks are
    /// stored as they are, each with its 4-byte header).
    static func maxFrame(ofContent contentBytes: Int) -> Int {
        LZ4F_compressFrameBound(contentBytes, nil)
    }

    /// Decodes exactly one frame that fills `frame`, requiring the content checksum; liblz4
    /// verifies the checksum as it decodes.
    ///
    /// The content is bounded before any of it is allocated: a declared content size must be at
    /// most `maxContentSize` and at most what the frame's size can hold (``maxContent(ofFrame:)``);
    /// a frame without one is refused as soon as its content passes either bound. The buffer
    /// starts at four times the frame's size and doubles as content is decoded, so it never
    /// exceeds twice what the frame really holds.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/modelTooLarge`` when the content is over
    ///   `maxContentSize`, ``InferenceError/Code/invalidModel`` naming any other problem.
    static func decode(_ frame: UnsafeRawBufferPointer, maxContentSize: Int) throws(InferenceError) -> [UInt8] {
        guard let source = frame.baseAddress, frame.count >= 7 else { throw .invalidModel("LZ4 frame is truncated") }
        var context: OpaquePointer?
        guard unsafe LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0,
            let context = unsafe context
        else { throw .invalidModel("cannot create an LZ4 decompression context") }
        defer { unsafe _ = LZ4F_freeDecompressionContext(context) }

        var info = LZ4F_frameInfo_t()
        var consumed = frame.count
        let hint = unsafe LZ4F_getFrameInfo(context, &info, source, &consumed)
        guard LZ4F_isError(hint) == 0 else { throw .invalidModel("not an LZ4 frame: \(errorName(hint))") }
        guard info.contentChecksumFlag == LZ4F_contentChecksumEnabled else {
            throw .invalidModel("LZ4 frame has no content checksum")
        }
        let ratioBound = maxContent(ofFrame: frame.count)
        let declared = info.contentSize
        if declared > 0 {
            guard declared <= UInt64(ratioBound) else {
                throw .invalidModel(
                    "LZ4 frame declares \(declared) bytes of content in \(frame.count) bytes: more than LZ4's \(maxRatio):1 allows (at most \(ratioBound))"
                )
            }
            guard declared <= UInt64(maxContentSize) else {
                throw .modelTooLarge(
                    "LZ4 frame declares \(declared) bytes of content, over the limit of \(maxContentSize) bytes"
                )
            }
        }
        // Without a declared size, one byte over the bound shows the content does not fit. Even a
        // declared size only caps the buffer: it grows as content is decoded, so a frame lying
        // within the bounds costs what it really holds, not what it claims.
        let ceiling = declared > 0 ? Int(declared) : min(ratioBound, maxContentSize) + 1
        var output = [UInt8](repeating: 0, count: min(ceiling, max(1 << 16, 4 * frame.count)))
        var produced = 0
        var position = consumed
        var finished = false
        while position < frame.count && !finished {
            if produced == output.count {
                if output.count < ceiling {
                    output.append(contentsOf: repeatElement(0, count: min(ceiling, 2 * output.count) - output.count))
                } else if declared == 0 {
                    break
                }
            }
            var sourceSize = frame.count - position
            var destinationSize = output.count - produced
            let result = unsafe output.withUnsafeMutableBytes { destination in
                unsafe LZ4F_decompress(
                    context,
                    destination.baseAddress! + produced,
                    &destinationSize,
                    source + position,
                    &sourceSize,
                    nil
                )
            }
            guard LZ4F_isError(result) == 0 else {
                throw .invalidModel("LZ4 frame does not decode: \(errorName(result))")
            }
            position += sourceSize
            produced += destinationSize
            finished = result == 0
            // No progress: a broken frame (with room to spare), or more content than declared.
            if sourceSize == 0 && destinationSize == 0 && (produced < output.count || output.count == ceiling) { break }
        }
        if declared == 0 && produced == ceiling {
            throw ceiling > maxContentSize
                ? .modelTooLarge("LZ4 frame without a content size inflates past the limit of \(maxContentSize) bytes")
                : .invalidModel(
                    "LZ4 frame without a content size inflates past \(ratioBound) bytes: more than LZ4's \(maxRatio):1 allows for \(frame.count) bytes"
                )
        }
        guard finished else { throw .invalidModel("LZ4 frame is truncated") }
        guard position == frame.count else { throw .invalidModel("bytes follow the LZ4 frame") }
        if declared > 0 {
            guard produced == ceiling else { throw .invalidModel("decoded size differs from the frame's content size") }
        } else {
            output.removeSubrange(produced...)
        }
        return output
    }

    /// One frame of `payload` with the content checksum and (unless told otherwise, for tests of
    /// frames without one) the content size set.
    static func encode(_ payload: [UInt8], storingContentSize: Bool = true) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = storingContentSize ? UInt64(payload.count) : 0
        let bound = unsafe LZ4F_compressFrameBound(payload.count, &preferences)
        var output = [UInt8](repeating: 0, count: bound)
        let written = unsafe output.withUnsafeMutableBytes { destination in
            unsafe payload.withUnsafeBytes { source in
                unsafe LZ4F_compressFrame(
                    destination.baseAddress,
                    bound,
                    source.baseAddress,
                    payload.count,
                    &preferences
                )
            }
        }
        precondition(LZ4F_isError(written) == 0, "LZ4F_compressFrame failed")
        output.removeSubrange(written...)
        return output
    }

    private static func errorName(_ code: Int) -> String { unsafe String(cString: LZ4F_getErrorName(code)) }
}
