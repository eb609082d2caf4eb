import CLZ4

/// The LZ4 frame format (liblz4's `lz4frame.h`): the one owner of LZ4 calls in this module.
enum LZ4Frame {
    /// Payloads larger than this are refused before allocating (a model is a few MB to a few hundred).
    static let maxContentSize = 1 << 31

    /// Decodes exactly one frame that fills `frame`, requiring the content checksum and content
    /// size fields; liblz4 verifies the checksum as it decodes.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/invalidModel`` naming the problem.
    static func decode(_ frame: UnsafeRawBufferPointer) throws(InferenceError) -> [UInt8] {
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
        guard info.contentSize > 0 else { throw .invalidModel("LZ4 frame has no content size") }
        guard info.contentSize <= UInt64(maxContentSize) else {
            throw .invalidModel("LZ4 frame content size \(info.contentSize) is too large")
        }
        let size = Int(info.contentSize)
        var output = [UInt8](repeating: 0, count: size)
        var produced = 0
        var position = consumed
        var finished = false
        var failure: Int?
        unsafe output.withUnsafeMutableBytes { destination in
            while position < frame.count {
                var sourceSize = frame.count - position
                var destinationSize = size - produced
                let result = unsafe LZ4F_decompress(
                    context,
                    destination.baseAddress! + produced,
                    &destinationSize,
                    source + position,
                    &sourceSize,
                    nil
                )
                if LZ4F_isError(result) != 0 {
                    failure = result
                    return
                }
                position += sourceSize
                produced += destinationSize
                if result == 0 {
                    finished = true
                    return
                }
                if sourceSize == 0 && destinationSize == 0 { return }
            }
        }
        if let failure { throw .invalidModel("LZ4 frame does not decode: \(errorName(failure))") }
        guard finished else { throw .invalidModel("LZ4 frame is truncated") }
        guard position == frame.count else { throw .invalidModel("bytes follow the LZ4 frame") }
        guard produced == size else { throw .invalidModel("decoded size differs from the frame's content size") }
        return output
    }

    /// One frame of `payload` with the content checksum and content size set.
    static func encode(_ payload: [UInt8]) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(payload.count)
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
