import Platform

/// Where the schema registry is and how to talk to it: Confluent's client settings
/// (`schema.registry.url`, `basic.auth.user.info`, `schema.registry.ssl.*`) in Swift.
public struct SchemaRegistryConfiguration: Sendable, Equatable {
    /// One or more base URLs (comma-separated in the flag); tried in order, the next on a
    /// transport error or 5xx.
    public var urls: [String]
    /// "user:password" for HTTP basic auth (Confluent's `basic.auth.user.info`); credentials in
    /// the URL also work.
    public var basicAuth: String?
    /// PEM CA bundle to verify the registry's certificate (default: the system's).
    public var caLocation: String?
    /// PEM client certificate for mutual TLS.
    public var certificateLocation: String?
    /// PEM private key of ``certificateLocation``.
    public var keyLocation: String?
    /// Time bound of one request to one URL, connecting included; the connect alone is bounded
    /// by min(this, 3 s) so that a dead first URL leaves time for the next.
    public var timeoutMilliseconds: Int
    /// Largest response body accepted (default 1 MiB): a larger answer is refused, not buffered.
    public var maxResponseBytes: Int

    public init(
        urls: [String],
        basicAuth: String? = nil,
        caLocation: String? = nil,
        certificateLocation: String? = nil,
        keyLocation: String? = nil,
        timeoutMilliseconds: Int = 5_000,
        maxResponseBytes: Int = 1 << 20
    ) {
        self.urls = urls
        self.basicAuth = basicAuth
        self.caLocation = caLocation
        self.certificateLocation = certificateLocation
        self.keyLocation = keyLocation
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// The connect phase's bound: min(``timeoutMilliseconds``, 3 s).
    var connectTimeoutMilliseconds: Int { min(timeoutMilliseconds, 3_000) }

    /// Parses and checks a comma-separated URL list: http or https only, a host, no query or
    /// fragment. A trailing `/` is dropped, so paths append cleanly.
    ///
    /// - Throws: ``SchemaRegistryError`` `.configuration` naming the URL and its problem.
    public static func parseURLs(_ text: String) throws(SchemaRegistryError) -> [String] {
        let urls = text.split(separator: ",").map { String($0.trimmingWhitespace) }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw .configuration("no schema registry URL given") }
        var checked: [String] = []
        for url in urls { checked.append(try checkURL(url)) }
        return checked
    }

    /// Checks everything the client relies on; the client's initializer calls it.
    func validated() throws(SchemaRegistryError) -> SchemaRegistryConfiguration {
        var copy = self
        guard !urls.isEmpty else { throw .configuration("no schema registry URL given") }
        copy.urls = []
        for url in urls { copy.urls.append(try Self.checkURL(url)) }
        guard timeoutMilliseconds > 0 else {
            throw .configuration("the registry timeout must be positive, got \(timeoutMilliseconds) ms")
        }
        guard maxResponseBytes > 0 else {
            throw .configuration("the largest registry answer must be positive, got \(maxResponseBytes) bytes")
        }
        if let basicAuth, !basicAuth.contains(":") {
            throw .configuration("basic auth must be user:password (the password may be empty)")
        }
        if keyLocation != nil && certificateLocation == nil {
            throw .configuration("a client key needs its certificate: give the certificate location too")
        }
        return copy
    }

    private static func checkURL(_ url: String) throws(SchemaRegistryError) -> String {
        let shown = redactingCredentials(url)
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw .configuration("schema registry URL '\(shown)' must start with http:// or https://")
        }
        guard !url.contains("?"), !url.contains("#") else {
            throw .configuration("schema registry URL '\(shown)' must not have a query or fragment")
        }
        guard !url.contains(where: { $0 == " " || $0.isNewline }) else {
            throw .configuration("schema registry URL '\(shown)' contains white space")
        }
        let rest = url.drop { $0 != ":" }.dropFirst(3)
        let authority = rest.prefix { $0 != "/" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let host: Substring
        var port: Substring?
        if hostAndPort.hasPrefix("[") {
            // An IPv6 literal: [::1]:8081.
            guard let close = hostAndPort.firstIndex(of: "]") else {
                throw .configuration("schema registry URL '\(shown)' has an unclosed IPv6 address")
            }
            host = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if after.hasPrefix(":") {
                port = after.dropFirst()
            } else if !after.isEmpty {
                throw .configuration("schema registry URL '\(shown)' has text after its IPv6 address")
            }
        } else {
            let parts = hostAndPort.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            port = parts.count > 1 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw .configuration("schema registry URL '\(shown)' has no host") }
        if let port {
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw .configuration("schema registry URL '\(shown)' has an invalid port '\(port)'")
            }
        }
        var trimmed = Substring(url)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// `url` with any `user:password@` replaced by `***@`, for messages and logs.
func redactingCredentials(_ url: String) -> String {
    guard let schemeEnd = url.firstRange(of: "://") else { return url }
    let authorityEnd = url[schemeEnd.upperBound...].firstIndex(of: "/") ?? url.endIndex
    guard let at = url[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<schemeEnd.upperBound]) + "***" + String(url[at...])
}
