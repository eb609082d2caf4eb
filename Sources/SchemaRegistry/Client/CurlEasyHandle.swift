import CCurl

/// One HTTP request as the registry client sends it.
struct RegistryHTTPRequest {
    var method: String
    var url: String
    var body: [UInt8]?
}

/// One HTTP answer: any status, the body up to the configured limit.
struct RegistryHTTPResponse {
    var status: Int
    var body: [UInt8]
}

/// libcurl loaded (dlopen, the first time a registry is used: `CCurl.h` says why) and its
/// process-wide set-up done, once before the first handle: a global `let` is initialised lazily
/// and exactly once (`swift_once`), however many threads race to it, which is what
/// `curl_global_init` asks of its callers. nil, or why not.
private let curlLoadFailure: String? = {
    var error = [CChar](repeating: 0, count: 512)
    let code = unsafe error.withUnsafeMutableBufferPointer { buffer in
        unsafe cbridge_curl_load(buffer.baseAddress, buffer.count)
    }
    guard code != CURLE_OK else { return nil }
    return unsafe error.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) }
}()

/// Owns one `CURL *` easy handle: one request, then `deinit` cleans it up.
///
/// Not shared: the client makes one per request on the calling thread (requests are rare, once
/// per new schema id), so several threads fetching at once each have their own handle, which is
/// libcurl's rule for easy handles.
@safe final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer

    init() throws(SchemaRegistryError) {
        if let curlLoadFailure { throw .configuration(curlLoadFailure) }
        guard let handle = unsafe cbridge_curl_easy_init() else {
            throw .unavailable("libcurl could not create a handle (out of memory?)")
        }
        unsafe self.handle = unsafe handle
    }

    deinit {
        unsafe cbridge_curl_easy_cleanup(handle)
    }

    /// Sends `request` and waits for the whole answer (or the timeout).
    ///
    /// - Throws: ``SchemaRegistryError`` from ``SchemaRegistryError/curl(_:detail:url:)``: the
    ///   transport failed, or the body passed `configuration.maxResponseBytes`.
    func perform(
        _ request: RegistryHTTPRequest,
        configuration: SchemaRegistryConfiguration
    ) throws(SchemaRegistryError) -> RegistryHTTPResponse {
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { unsafe cbridge_curl_slist_free_all(headers) }
        var lines = ["Accept: application/vnd.schemaregistry.v1+json, application/json"]
        if request.body != nil { lines.append("Content-Type: application/vnd.schemaregistry.v1+json") }
        // curl would send `Expect: 100-continue` before a body over 1 KiB and wait for the answer.
        lines.append("Expect:")
        for line in lines {
            guard let appended = unsafe cbridge_curl_slist_append(headers, line) else {
                throw .unavailable("libcurl could not build the request headers (out of memory?)")
            }
            unsafe headers = unsafe appended
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        defer { unsafe errorBuffer.deallocate() }
        unsafe errorBuffer.initialize(to: 0)
        let sink = ResponseSink(limit: configuration.maxResponseBytes)
        let url = redactingCredentials(request.url)

        try set(CURLOPT_URL, request.url)
        // Only HTTP(S), even on a redirect (which is not followed anyway).
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        // No SIGALRM for resolver timeouts: signals in a multi-threaded process belong to the service.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TIMEOUT_MS, configuration.timeoutMilliseconds)
        try set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds)
        try set(CURLOPT_MAXFILESIZE_LARGE, offset: curl_off_t(configuration.maxResponseBytes))
        try set(CURLOPT_CUSTOMREQUEST, request.method)
        if let body = request.body {
            // curl copies the body, so the array need only live through this call.
            try check(
                unsafe body.withUnsafeBytes {
                    unsafe cbridge_curl_set_body(handle, $0.baseAddress, curl_off_t($0.count))
                },
                option: "the request body"
            )
        } else if request.method == "GET" {
            try set(CURLOPT_HTTPGET, 1)
        }
        try check(unsafe cbridge_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers), option: "headers")
        if let basicAuth = configuration.basicAuth {
            try set(CURLOPT_USERPWD, basicAuth)
            try check(unsafe cbridge_curl_use_basic_auth(handle), option: "basic auth")
        }
        if let caLocation = configuration.caLocation { try set(CURLOPT_CAINFO, caLocation) }
        if let certificate = configuration.certificateLocation { try set(CURLOPT_SSLCERT, certificate) }
        if let key = configuration.keyLocation { try set(CURLOPT_SSLKEY, key) }
        try check(unsafe cbridge_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), option: "error buffer")
        try check(unsafe cbridge_curl_setopt_writefunction(handle, receiveBody), option: "write function")

        let result = withExtendedLifetime(sink) {
            // The sink outlives the transfer, so the unretained pointer the callback gets is valid.
            let context = unsafe Unmanaged.passUnretained(sink).toOpaque()
            _ = unsafe cbridge_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            return unsafe cbridge_curl_easy_perform(handle)
        }
        if sink.overflowed || result == CURLE_FILESIZE_EXCEEDED {
            throw .invalidResponse(
                "the registry at \(url) answered more than \(configuration.maxResponseBytes) bytes; refused"
            )
        }
        guard result == CURLE_OK else {
            let detail = unsafe String(cString: errorBuffer)
            throw .curl(result, detail: detail.isEmpty ? Self.text(result) : detail, url: url)
        }
        var status = 0
        _ = unsafe cbridge_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return RegistryHTTPResponse(status: status, body: sink.bytes)
    }

    // MARK: - Options

    private func set(_ option: CURLoption, _ value: Int) throws(SchemaRegistryError) {
        try check(unsafe cbridge_curl_setopt_long(handle, option, value), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, offset value: curl_off_t) throws(SchemaRegistryError) {
        try check(unsafe cbridge_curl_setopt_off(handle, option, value), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(SchemaRegistryError) {
        try check(unsafe cbridge_curl_setopt_string(handle, option, value), option: "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, option: String) throws(SchemaRegistryError) {
        guard code == CURLE_OK else {
            throw .configuration("libcurl refused \(option): \(Self.text(code))")
        }
    }

    static func text(_ code: CURLcode) -> String {
        unsafe String(cString: cbridge_curl_easy_strerror(code))
    }
}

/// Collects the answer's body up to a limit, on the thread running `curl_easy_perform`.
private final class ResponseSink {
    var bytes: [UInt8] = []
    var overflowed = false
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }
}

/// libcurl's write callback: appends a chunk of the body to the ``ResponseSink`` in `context`.
/// Returning less than it was given makes curl abort with `CURLE_WRITE_ERROR`, which is how a body
/// over the limit (sent chunked, with no Content-Length for `CURLOPT_MAXFILESIZE_LARGE` to catch)
/// stops being received.
private func receiveBody(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data = unsafe data, let context = unsafe context else { return 0 }
    let sink = unsafe Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard sink.bytes.count + length <= sink.limit else {
        sink.overflowed = true
        return 0
    }
    unsafe sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

extension SchemaRegistryError {
    /// Maps a failed transfer to an error: the one place libcurl's codes become this module's.
    static func curl(
        _ code: CURLcode,
        detail: String,
        url: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> SchemaRegistryError {
        let kind: Code =
            switch code {
            // Something local: a file the configuration names, or a URL curl cannot take.
            case CURLE_URL_MALFORMAT, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
                CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_CIPHER, CURLE_NOT_BUILT_IN:
                .configuration
            // The peer answered, but not in HTTP: a wrong port, or not a registry. (The URL's
            // scheme was checked to be http or https, so an unsupported protocol is an answer
            // without a status line, which curl takes for HTTP/0.9 and refuses.)
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2,
                CURLE_HTTP2_STREAM,
                CURLE_HTTP3:
                .invalidResponse
            // Connection refused or reset, timeouts, name resolution, TLS handshake or verification,
            // an empty reply: the registry may answer later or at another URL.
            default: .unavailable
            }
        return SchemaRegistryError(
            code: kind,
            reason: "schema registry \(url): \(detail)",
            file: file,
            line: line
        )
    }
}
