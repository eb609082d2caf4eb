extension RequestParser {
    /// Makes `path` a bare path: drops a `scheme://authority` prefix (the host identifies a site,
    /// not an attack) and moves a `?query` suffix into `query` when the request has no query.
    static func normalizeTarget(_ request: ParsedRequest) {
        guard request.isPresent(.path) else { return }
        let (path, _) = unsafe request.region(.path)
        var count = request.count(of: .path)
        let truncated = request.isTruncated(.path)
        // scheme://authority/...
        var schemeEnd = 0
        while schemeEnd < min(count, 16), Self.isSchemeByte(unsafe path[schemeEnd]) { schemeEnd += 1 }
        if schemeEnd > 0, schemeEnd + 3 <= count, unsafe path[schemeEnd] == UInt8(ascii: ":"),
            unsafe path[schemeEnd + 1] == UInt8(ascii: "/"), unsafe path[schemeEnd + 2] == UInt8(ascii: "/")
        {
            var slash = schemeEnd + 3
            while slash < count, unsafe path[slash] != UInt8(ascii: "/"), unsafe path[slash] != UInt8(ascii: "?") {
                slash += 1
            }
            if slash == count {
                unsafe path[0] = UInt8(ascii: "/")
                count = 1
            } else if unsafe path[slash] == UInt8(ascii: "?") {
                unsafe path[0] = UInt8(ascii: "/")
                unsafe (path + 1).update(from: path + slash, count: count - slash)
                count = count - slash + 1
            } else {
                unsafe path.update(from: path + slash, count: count - slash)
                count -= slash
            }
        }
        // path?query
        if request.count(of: .query) == 0 {
            var mark = 0
            while mark < count, unsafe path[mark] != UInt8(ascii: "?") { mark += 1 }
            if mark < count {
                let tail = unsafe UnsafeRawBufferPointer(start: path + mark + 1, count: count - mark - 1)
                let queryTruncated = truncated
                unsafe request.store(.query, from: tail)
                if queryTruncated { request.commit(.query, count: request.count(of: .query), truncated: true) }
                count = mark
            }
        }
        request.commit(.path, count: count, truncated: truncated)
    }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
