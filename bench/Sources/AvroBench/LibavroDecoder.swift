import CAvroDecode
import Inference

/// Decodes Avro bodies with Apache Avro C (Debian's libavro) into a ``ParsedRequest``: the libavro
/// path of avro-bench. The only file that imports the C helper.
///
/// The C helper (`Sources/CAvroDecode`) reads each body into one reused generic value and points a
/// `cavro_request` at its strings; this type then copies them into the request through
/// `ParsedRequest`'s public API (`assign` for the reset and the timestamp, `set(_:to:)` per field,
/// so one `String` per field, heap-allocated past 15 bytes: `store(_:from:)` is internal to
/// Inference). Unlike ``AvroRequestDecoder``, no check for trailing bytes (libavro's memory reader
/// keeps its position private) and no target normalisation (`RequestParser.normalizeTarget` is
/// internal; on CSIC 2010 it changes nothing, which the bench's mismatch count checks).
///
/// Not thread-safe: one per thread.
@safe final class LibavroDecoder {
    private let decoder: OpaquePointer
    private var fields = unsafe cavro_request()

    /// A decoder for bodies written with the schema `json`.
    /// - Throws: ``LibavroError`` with libavro's message when the schema does not load.
    init(schemaJSON json: String) throws(LibavroError) {
        var text = json
        let made = text.withUTF8 { bytes in
            unsafe bytes.withMemoryRebound(to: CChar.self) { chars in
                unsafe cavro_decoder_create(chars.baseAddress, chars.count)
            }
        }
        guard let made = unsafe made else { throw LibavroError(message: Self.lastMessage()) }
        unsafe decoder = made
    }

    deinit {
        unsafe cavro_decoder_destroy(decoder)
    }

    /// Decodes `body` with libavro and leaves the fields in the C struct only (no copy): libavro's
    /// own share of ``decode(_:into:)``.
    /// - Returns: whether libavro read the body and found a path.
    func decodeFields(_ body: [UInt8]) -> Bool {
        let status = unsafe body.withUnsafeBytes { bytes in
            unsafe cavro_decode(decoder, bytes.baseAddress, bytes.count, &fields)
        }
        return status == CAVRO_OK
    }

    /// Decodes `body` with libavro into `request`, which is reset first.
    /// - Returns: whether libavro read the body and found a path (else `request` is unspecified).
    func decode(_ body: [UInt8], into request: ParsedRequest) -> Bool {
        guard decodeFields(body) else { return false }
        unsafe request.assign(HTTPRequest(timestamp: fields.has_timestamp ? fields.timestamp : nil))
        unsafe copy(fields.id, to: .id, of: request)
        unsafe copy(fields.method, to: .method, of: request)
        unsafe copy(fields.path, to: .path, of: request)
        unsafe copy(fields.query, to: .query, of: request)
        unsafe copy(fields.protocol_version, to: .protocolVersion, of: request)
        unsafe copy(fields.body, to: .body, of: request)
        unsafe copy(fields.user_agent, to: .userAgent, of: request)
        unsafe copy(fields.referer, to: .referer, of: request)
        unsafe copy(fields.remote_address, to: .remoteAddress, of: request)
        return true
    }

    /// Stores one libavro string (invalid UTF-8 repaired, as `String(decoding:as:)` does) unless null.
    @unsafe private func copy(_ text: cavro_text, to field: RequestField, of request: ParsedRequest) {
        guard let bytes = unsafe text.bytes else { return }
        let buffer = unsafe UnsafeRawBufferPointer(start: bytes, count: text.count)
        unsafe request.set(field, to: String(decoding: buffer, as: UTF8.self))
    }

    private static func lastMessage() -> String {
        unsafe String(cString: cavro_error_message())
    }
}

/// libavro refused the writer schema.
struct LibavroError: Error, CustomStringConvertible {
    let message: String
    var description: String { "libavro: \(message)" }
}
