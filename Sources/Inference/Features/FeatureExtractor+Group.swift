extension FeatureExtractor {
    /// A content hash of the request for content-grouped splits: 64-bit FNV-1a over method, path,
    /// query and body (each followed by a zero byte); cookies and other headers are ignored.
    public static func contentGroup(of request: ParsedRequest) -> UInt64 {
        var hash = FeatureHash.fnv64Basis
        for field in [RequestField.method, .path, .query, .body] {
            hash = unsafe request.withUnsafeBytes(of: field) { bytes in unsafe FeatureHash.fnv64(bytes, from: hash) }
            hash = (hash ^ 0) &* FeatureHash.fnv64Prime
        }
        return hash
    }

    /// ``contentGroup(of:)`` as 16 lower-case hex digits.
    public static func contentGroupText(of request: ParsedRequest) -> String {
        let hex = String(contentGroup(of: request), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
