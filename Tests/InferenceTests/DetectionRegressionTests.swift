import Foundation
import Testing

@testable import Inference

/// What an operator sees first, checked against the shipped `models/default.model`: ordinary
/// requests of sites it was never trained on pass, and plain attacks are caught wherever in the
/// request they sit. The lists were fixed before the model was trained and are not tuned to it.
@Suite struct DetectionRegressionTests {
    static let defaultModel = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/default.model").path

    static let browser =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

    /// (description, JSON request) pairs that must score normal.
    static let ordinary: [(String, String)] = [
        ("home page", #"{"method":"GET","path":"/"}"#),
        ("home page, browser", #"{"method":"GET","path":"/","headers":{"User-Agent":"\#(browser)"}}"#),
        ("favicon", #"{"method":"GET","path":"/favicon.ico"}"#),
        ("robots", #"{"method":"GET","path":"/robots.txt"}"#),
        ("stylesheet", #"{"method":"GET","path":"/static/css/main.4f2a9c1e.css"}"#),
        ("script", #"{"method":"GET","path":"/assets/js/vendor.min.js","query":"v=3.2.1"}"#),
        ("font", #"{"method":"GET","path":"/fonts/roboto-regular.woff2"}"#),
        ("product image", #"{"method":"GET","path":"/media/catalog/product/41532/large/800x800.jpg"}"#),
        ("product page", #"{"method":"GET","path":"/products/1843/blue-cotton-shirt"}"#),
        (
            "category filter",
            #"{"method":"GET","path":"/shop/shoes","query":"color=black&size=42&sort=price_asc&page=2"}"#
        ),
        ("search words", #"{"method":"GET","path":"/search","query":"q=red+running+shoes+for+women"}"#),
        (
            "blog post",
            #"{"method":"GET","path":"/2023/11/how-we-moved-to-kafka/","headers":{"Referer":"https://www.google.com/"}}"#
        ),
        ("feed", #"{"method":"GET","path":"/feed","query":"format=rss"}"#),
        ("api list", #"{"method":"GET","path":"/api/v1/orders","query":"limit=20&offset=40"}"#),
        ("api item", #"{"method":"GET","path":"/api/v2/users/3f6c2a1e-9b7d-4c1a-8e2f-0a1b2c3d4e5f/profile"}"#),
        (
            "login form",
            #"{"method":"POST","path":"/login","body":"username=maria.garcia&password=Summer2024%21&remember=on"}"#
        ),
        (
            "checkout form",
            #"{"method":"POST","path":"/checkout","body":"name=John+Smith&address=12+High+Street&city=London&postcode=SW1A+1AA&phone=%2B44+20+7946+0958&email=john.smith%40example.com"}"#
        ),
        (
            "comment",
            #"{"method":"POST","path":"/posts/42/comments","body":"author=Anna&text=Great+article%2C+thanks%21+I+didn%27t+know+that."}"#
        ),
        (
            "tracking",
            #"{"method":"GET","path":"/landing","query":"utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale"}"#
        ),
        ("php page", #"{"method":"GET","path":"/index.php","query":"route=product/category&path=20_27"}"#),
        ("wordpress post", #"{"method":"GET","path":"/","query":"p=123"}"#),
        (
            "greek path",
            #"{"method":"GET","path":"/%CE%BA%CE%B1%CF%84%CE%B7%CE%B3%CE%BF%CF%81%CE%AF%CE%B5%CF%82/%CE%B2%CE%B9%CE%B2%CE%BB%CE%AF%CE%B1"}"#
        ),
        (
            "japanese search",
            #"{"method":"GET","path":"/search","query":"q=%E6%9D%B1%E4%BA%AC+%E3%83%9B%E3%83%86%E3%83%AB"}"#
        ),
        ("cyrillic path", #"{"method":"GET","path":"/каталог/книги"}"#),
        (
            "oauth callback",
            #"{"method":"GET","path":"/oauth/callback","query":"code=4%2F0AX4XfWh7kLm9&state=af0ifjsldkj"}"#
        ),
        ("redirect back", #"{"method":"GET","path":"/account/login","query":"next=%2Faccount%2Forders"}"#),
    ]

    /// (description, JSON request) pairs that must score anomalous: plain attacks in every part.
    static let attacks: [(String, String)] = [
        ("sqli in query", #"{"method":"GET","path":"/products","query":"id=1%27+OR+%271%27%3D%271"}"#),
        (
            "sqli union in query",
            #"{"method":"GET","path":"/item","query":"id=-1+UNION+SELECT+username%2Cpassword+FROM+users--"}"#
        ),
        (
            "xss in query among benign",
            #"{"method":"GET","path":"/search","query":"page=2&q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E&sort=new"}"#
        ),
        ("traversal in query", #"{"method":"GET","path":"/download","query":"file=..%2F..%2F..%2F..%2Fetc%2Fpasswd"}"#),
        ("cmdi in query", #"{"method":"GET","path":"/ping","query":"host=127.0.0.1%3Bcat+%2Fetc%2Fpasswd"}"#),
        ("xss in path", #"{"method":"GET","path":"/products/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"}"#),
        ("traversal in path", #"{"method":"GET","path":"/static/../../../../etc/passwd"}"#),
        ("sqli in body", #"{"method":"POST","path":"/login","body":"username=admin%27+--&password=x"}"#),
        (
            "traversal in body",
            #"{"method":"POST","path":"/settings","body":"theme=dark&urlConfig=..%2F..%2F..%2F..%2Fetc%2Fpasswd&lang=en"}"#
        ),
        (
            "sqli in user agent",
            #"{"method":"GET","path":"/","headers":{"User-Agent":"' OR 1=1; DROP TABLE users; --"}}"#
        ),
        ("xss in user agent", #"{"method":"GET","path":"/","headers":{"User-Agent":"<script>alert('xss')</script>"}}"#),
        (
            "scanner user agent",
            #"{"method":"GET","path":"/","headers":{"User-Agent":"sqlmap/1.6.12#stable (https://sqlmap.org)"}}"#
        ),
        (
            "xss in referer",
            #"{"method":"GET","path":"/","headers":{"Referer":"https://example.com/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"}}"#
        ),
        (
            "sqli in referer",
            #"{"method":"GET","path":"/","headers":{"Referer":"https://example.com/page?id=1'+UNION+SELECT+1,2,3--"}}"#
        ),
    ]

    static func verdicts(_ list: [(String, String)]) throws -> [(String, Float, Bool)] {
        let model = try SVMModel(contentsOf: defaultModel)
        let scorer = try PartScorer(model: model)
        let parser = RequestParser()
        let request = ParsedRequest()
        return try list.map { name, json in
            let bytes = Array(json.utf8)
            let failure = parser.parseReason(bytes.span, into: request)
            guard failure == nil else { throw InferenceError.malformedRequest(failure!) }
            let verdict = scorer.score(request)
            return (name, verdict.score, verdict.score > model.threshold)
        }
    }

    @Test func theDefaultModelIsAPartModelWithCategories() throws {
        let model = try SVMModel(contentsOf: Self.defaultModel)
        let isPartModel = model.isPartModel
        let categories = model.categories
        #expect(isPartModel)
        #expect(Set(categories).isSubset(of: ["sqli", "xss", "traversal", "cmdi", "probe", "other"]))
        #expect(categories.count >= 4)
    }

    @Test func ordinaryRequestsOfUnseenSitesScoreNormal() throws {
        let flagged = try Self.verdicts(Self.ordinary).filter { $0.2 }
        #expect(flagged.isEmpty, "flagged: \(flagged.map { "\($0.0) (\($0.1))" })")
    }

    @Test func plainAttacksInEveryPartScoreAnomalous() throws {
        let missed = try Self.verdicts(Self.attacks).filter { !$0.2 }
        #expect(missed.isEmpty, "missed: \(missed.map { "\($0.0) (\($0.1))" })")
    }

    @Test func anAttackIsNotDilutedByBenignParameters() throws {
        let model = try SVMModel(contentsOf: Self.defaultModel)
        let scorer = try PartScorer(model: model)
        let parser = RequestParser()
        let request = ParsedRequest()
        let benign = (1...30).map { "field\($0)=value\($0)" }.joined(separator: "&")
        let json = #"{"path":"/form","query":"\#(benign)&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"}"#
        let bytes = Array(json.utf8)
        #expect(parser.parseReason(bytes.span, into: request) == nil)
        let verdict = scorer.score(request)
        #expect(verdict.part == .param)
        #expect(verdict.score > model.threshold)
        #expect(scorer.category().map { model.categories[$0] } == "xss")
    }
}
