import Inference
import Testing

@Suite struct AvroRequestDecoderTests {
    private func decoder(
        _ schema: String,
        mapping: AvroFieldMapping = .default
    ) throws(InferenceError) -> AvroRequestDecoder {
        try AvroRequestDecoder(writerSchema: AvroSchema(parsing: schema), mapping: mapping)
    }

    private struct Refused: Error { let reason: AvroDecodeError }

    /// Decodes `body` into a request; throws ``Refused`` with the decoder's reason.
    private func decode(_ body: [UInt8], with decoder: AvroRequestDecoder) throws -> HTTPRequest {
        let request = ParsedRequest()
        if let error = decoder.decode(body.span, into: request) { throw Refused(reason: error) }
        #expect(request.format == .avro)
        return HTTPRequest(request)
    }

    /// Why `body` does not decode, or nil.
    private func refusal(_ body: [UInt8], with decoder: AvroRequestDecoder) -> AvroDecodeError? {
        decoder.decode(body.span, into: ParsedRequest())
    }

    private func unusable(_ schema: String, mapping: AvroFieldMapping = .default) -> String? {
        do {
            _ = try decoder(schema, mapping: mapping)
            return nil
        } catch {
            #expect(error.code == .unusableSchema)
            return error.reason
        }
    }

    @Test func decodesTheReferenceRecordWrittenByFastavro() throws {
        let request = try decode(AvroTestVectors.referenceFull, with: decoder(AvroRequestSchema.json))
        #expect(
            request
                == HTTPRequest(
                    id: "r-1",
                    timestamp: 1_732_540_800_123,
                    method: "GET",
                    path: "/search",
                    query: "q=shoes",
                    protocolVersion: "HTTP/1.1",
                    body: "a=1&b=é",
                    userAgent: "curl/8.5",
                    referer: "http://r/",
                    remoteAddress: "203.0.113.9"
                )
        )
    }

    @Test func absoluteURIPathLosesSchemeAndHostAndSplitsTheQuery() throws {
        let request = try decode(AvroTestVectors.referenceAbsolute, with: decoder(AvroRequestSchema.json))
        #expect(request == HTTPRequest(path: "/a/b", query: "x=1&y=%27"))
    }

    @Test func writerSchemaWithAFieldAddedWithDefaultStillDecodes() throws {
        let request = try decode(AvroTestVectors.referenceV2, with: decoder(AvroTestVectors.referenceV2Schema))
        #expect(
            request
                == HTTPRequest(
                    id: "r-2",
                    timestamp: 5,
                    method: "POST",
                    path: "/login",
                    protocolVersion: "HTTP/1.0",
                    body: "user=x",
                    userAgent: "UA"
                )
        )
        let v1 = try AvroSchema(parsing: AvroRequestSchema.json)
        let v2 = try AvroSchema(parsing: AvroTestVectors.referenceV2Schema)
        #expect(v1.incompatibilities(readingDataWrittenWith: v2).isEmpty)
        #expect(v2.incompatibilities(readingDataWrittenWith: v1).isEmpty)
    }

    @Test func richWriterSkipsEveryTypeAndReachesNestedFieldsByDottedPath() throws {
        var mapping = AvroFieldMapping.default
        try mapping.apply("path=request.uri")
        try mapping.apply("method=request.verb")
        try mapping.apply("remote_addr=request.peer.ip")
        let decoder = try decoder(AvroTestVectors.richSchema, mapping: mapping)
        #expect(decoder.resolvedFields[.path] == "request.uri")
        let parsed = ParsedRequest()
        let body = AvroTestVectors.rich
        #expect(decoder.decode(body.span, into: parsed) == nil)
        let request = HTTPRequest(parsed)
        #expect(request.id == "-42")
        #expect(request.timestamp == 1_732_540_800_123)  // timestamp-micros, divided by 1000
        #expect(request.method == "PUT")
        #expect(request.path == "/api/items/1")
        #expect(request.query == "debug=true")
        #expect(request.userAgent == "rich/1.0")
        #expect(request.referer == "http://ref/")
        #expect(request.remoteAddress == "198.51.100.7")
        // A bytes body is kept as its bytes (not checked as UTF-8).
        #expect(parsed.withBytes(of: .body) { $0.array } == [0x01, 0x02] + Array("binary".utf8) + [0xFE])
    }

    @Test func headerMapOfArraysKeepsTheFirstValueAndIntIDsAreText() throws {
        let request = try decode(AvroTestVectors.multi, with: decoder(AvroTestVectors.multiSchema))
        #expect(request == HTTPRequest(id: "2147483647", path: "/m", userAgent: "first"))
    }

    @Test func everyTruncationGivesAnErrorAndTrailingBytesAreRefused() throws {
        var mapping = AvroFieldMapping.default
        mapping.map(.path, to: "request.uri")
        let cases: [([UInt8], AvroRequestDecoder)] = [
            (AvroTestVectors.referenceFull, try decoder(AvroRequestSchema.json)),
            (AvroTestVectors.rich, try decoder(AvroTestVectors.richSchema, mapping: mapping)),
            (AvroTestVectors.multi, try decoder(AvroTestVectors.multiSchema)),
        ]
        let request = ParsedRequest()
        for (body, decoder) in cases {
            #expect(decoder.decode(body.span, into: request) == nil)
            for length in 0..<body.count {
                let prefix = Array(body[..<length])
                #expect(decoder.decode(prefix.span, into: request) != nil, "prefix of \(length) bytes")
            }
            let longer = body + [0]
            #expect(decoder.decode(longer.span, into: request) == .trailingBytes)
        }
    }

    @Test func topLevelUserAgentWinsOverTheHeaderMapInEitherOrder() throws {
        for headersFirst in [true, false] {
            let headers = #"{"name": "headers", "type": {"type": "map", "values": "string"}}"#
            let agent = #"{"name": "ua", "type": ["null", "string"]}"#
            let fields = headersFirst ? "\(headers), \(agent)" : "\(agent), \(headers)"
            let decoder = try decoder(
                #"{"type": "record", "name": "R", "fields": [{"name": "path", "type": "string"}, \#(fields)]}"#
            )
            for topLevel in ["top" as String?, nil] {
                var body: [UInt8] = []
                AvroBinary.appendString("/", to: &body)
                var agentBytes: [UInt8] = []
                if let topLevel {
                    AvroBinary.appendUnionIndex(1, to: &agentBytes)
                    AvroBinary.appendString(topLevel, to: &agentBytes)
                } else {
                    AvroBinary.appendUnionIndex(0, to: &agentBytes)
                }
                var headerBytes: [UInt8] = []
                AvroBinary.appendLong(1, to: &headerBytes)
                AvroBinary.appendString("USER-AGENT", to: &headerBytes)
                AvroBinary.appendString("header", to: &headerBytes)
                AvroBinary.appendLong(0, to: &headerBytes)
                body += headersFirst ? headerBytes + agentBytes : agentBytes + headerBytes
                let request = try decode(body, with: decoder)
                #expect(request.userAgent == (topLevel ?? "header"), "headers first: \(headersFirst)")
            }
        }
    }

    @Test func negativeBlockCountsAreSkippedBySizeOrReadItemByItem() throws {
        let decoder = try decoder(
            #"{"type": "record", "name": "R", "fields": [{"name": "skip", "type": {"type": "array", "items": "long"}}, "#
                + #"{"name": "headers", "type": {"type": "map", "values": "string"}}, {"name": "path", "type": "string"}]}"#
        )
        var body: [UInt8] = []
        // Skipped array: a block of -3 items, 3 bytes, then a block of 1, then the end.
        AvroBinary.appendLong(-3, to: &body)
        AvroBinary.appendLong(3, to: &body)
        for value: Int64 in [1, 2, 3] { AvroBinary.appendLong(value, to: &body) }
        AvroBinary.appendLong(1, to: &body)
        AvroBinary.appendLong(4, to: &body)
        AvroBinary.appendLong(0, to: &body)
        // Header map: a block of -2 entries with its size, read entry by entry.
        var entries: [UInt8] = []
        for (name, value) in [("Host", "h"), ("Referer", "http://r/")] {
            AvroBinary.appendString(name, to: &entries)
            AvroBinary.appendString(value, to: &entries)
        }
        AvroBinary.appendLong(-2, to: &body)
        AvroBinary.appendLong(Int64(entries.count), to: &body)
        body += entries
        AvroBinary.appendLong(0, to: &body)
        AvroBinary.appendString("/p", to: &body)
        #expect(try decode(body, with: decoder) == HTTPRequest(path: "/p", referer: "http://r/"))
    }

    @Test func valuesLongerThanTheirCapacityKeepTheirPrefixAsTheJSONPathDoes() throws {
        let body = String(repeating: "ab", count: 10_000) + "é"
        let path = "/" + String(repeating: "p", count: 9000)
        let avro = AvroRequestSchema.encode(HTTPRequest(path: path, body: body))
        let fromAvro = ParsedRequest()
        #expect(try decoder(AvroRequestSchema.json).decode(avro.span, into: fromAvro) == nil)
        let fromJSON = ParsedRequest()
        try RequestParser().parse(Array(#"{"path": "\#(path)", "body": "\#(body)"}"#.utf8), into: fromJSON)
        for field in [RequestField.path, .body] {
            #expect(fromAvro.isTruncated(field))
            #expect(fromAvro.count(of: field) == fromAvro.limits.capacity(of: field))
            #expect(fromAvro.withBytes(of: field) { $0.array } == fromJSON.withBytes(of: field) { $0.array })
        }
    }

    @Test func integerIDsAreWrittenAsDecimalText() throws {
        let decoder = try decoder(
            #"{"type": "record", "name": "R", "fields": [{"name": "request_id", "type": ["null", "long"]}, {"name": "uri", "type": "string"}]}"#
        )
        for value in [Int64.min, -1, 0, 42, Int64.max] {
            var body: [UInt8] = []
            AvroBinary.appendUnionIndex(1, to: &body)
            AvroBinary.appendLong(value, to: &body)
            AvroBinary.appendString("/", to: &body)
            #expect(try decode(body, with: decoder).id == "\(value)")
        }
    }

    @Test func malformedBodiesGiveTheirReason() throws {
        let decoder = try decoder(
            #"{"type": "record", "name": "R", "fields": [{"name": "n", "type": "int"}, "#
                + #"{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}, "#
                + #"{"name": "skipped", "type": "string"}, {"name": "path", "type": ["null", "string"]}]}"#
        )
        func body(
            n: [UInt8] = [0x02],
            e: [UInt8] = [0x02],
            skipped: [UInt8] = [0x02, 0xFF],
            path: [UInt8] = [0x02, 0x02, 0x2F]
        )
            -> [UInt8]
        { n + e + skipped + path }
        #expect(try decode(body(), with: decoder).path == "/")  // a skipped string is not checked
        #expect(refusal(body(n: [0x80, 0x80, 0x80, 0x80, 0x20]), with: decoder) == .invalidVarint)
        #expect(refusal(body(n: [UInt8](repeating: 0xFF, count: 10) + [0x01]), with: decoder) == .invalidVarint)
        #expect(refusal(body(e: [0x04]), with: decoder) == .invalidEnumIndex)
        #expect(refusal(body(skipped: [0x01]), with: decoder) == .invalidLength)
        #expect(refusal(body(skipped: [0x7E]), with: decoder) == .truncated)
        #expect(refusal(body(path: [0x04]), with: decoder) == .invalidUnionIndex)
        #expect(refusal(body(path: [0x02, 0x02, 0xFF]), with: decoder) == .invalidUTF8)
        #expect(refusal(body(path: [0x00]), with: decoder) == .missingPath)
        for error in AvroDecodeError.allCases { #expect(!error.explanation.isEmpty) }
    }

    @Test func unusableSchemasAreRefusedSayingWhy() {
        #expect(unusable(#""string""#) == "the writer schema is string, not a record: a request must be an Avro record")
        #expect(
            unusable(#"{"type": "record", "name": "R", "fields": [{"name": "path", "type": "long"}]}"#)
                == "record field 'path' has type long, which cannot give the request's path: it must be string or "
                + "bytes, or a union of null with one"
        )
        #expect(
            unusable(
                #"{"type": "record", "name": "R", "fields": [{"name": "uri", "type": "string"}, {"name": "ts", "type": ["null", "string"]}]}"#
            )?
            .hasPrefix("record field 'ts' has type [null, string], which cannot give the request's timestamp") == true
        )
        #expect(
            unusable(#"{"type": "record", "name": "R", "fields": [{"name": "location", "type": "string"}]}"#)
                == "the writer schema R has no field for the request's path or query (looked for path, uri, url, "
                + "request_uri, target, query, query_string, querystring, args); map one with `avro-field path=NAME`"
        )
        var mapping = AvroFieldMapping.default
        mapping.map(.path, to: "location")
        #expect(
            unusable(
                #"{"type": "record", "name": "R", "fields": [{"name": "location", "type": "string"}]}"#,
                mapping: mapping
            ) == nil
        )
    }

    @Test func schemasThatExpandExponentiallyAreRefusedBeforeCompiling() {
        // Each record uses the previous one twice: 40 definitions, 2^40 types once inlined.
        var fields = [#"{"name": "path", "type": "string"}"#]
        fields.append(
            #"{"name": "r0", "type": {"type": "record", "name": "R0", "fields": [{"name": "x", "type": "null"}]}}"#
        )
        for level in 1..<40 {
            let previous = "R\(level - 1)"
            fields.append(
                #"{"name": "r\#(level)", "type": {"type": "record", "name": "R\#(level)", "fields": "#
                    + #"[{"name": "a", "type": "\#(previous)"}, {"name": "b", "type": "\#(previous)"}]}}"#
            )
        }
        let schema = #"{"type": "record", "name": "Top", "fields": ["# + fields.joined(separator: ", ") + "]}"
        #expect(unusable(schema)?.hasPrefix("the writer schema is too large to decode") == true)
    }

    @Test func fieldMappingFlagRefusesUnknownFieldsAndEmptyNames() {
        var mapping = AvroFieldMapping.default
        #expect(throws: InferenceError.self) { try mapping.apply("pth=uri") }
        do {
            try mapping.apply("pth=uri")
        } catch {
            #expect(error.reason.contains("unknown request field 'pth'; valid fields: id, timestamp, method, path"))
        }
        #expect(throws: InferenceError.self) { try mapping.apply("path=") }
        #expect(throws: InferenceError.self) { try mapping.apply("path") }
        #expect(throws: InferenceError.self) { try mapping.apply("path=a..b") }
        #expect(mapping == .default)
        try? mapping.apply("user_agent=meta.agent")
        #expect(mapping.candidates[.userAgent] == ["meta.agent"])
    }

    @Test func avroAndJSONGiveTheSameRequest() throws {
        let decoder = try decoder(AvroRequestSchema.json)
        let requests = [
            HTTPRequest(method: "GET", path: "/index.php?id=1%27%20or%201=1", protocolVersion: "HTTP/1.1"),
            HTTPRequest(
                id: "x",
                timestamp: -5,
                method: "POST",
                path: "https://h/login",
                body: "u=a&p=<script>",
                userAgent: "UA",
                referer: "R"
            ),
            HTTPRequest(query: "only=query"),
        ]
        for original in requests {
            let avro = try decode(AvroRequestSchema.encode(original), with: decoder)
            let json = try RequestParser().parse(jsonText(original))
            #expect(avro == json)
        }
    }

    private func jsonText(_ request: HTTPRequest) -> String {
        var members: [String] = []
        func add(_ key: String, _ value: String?) {
            if let value { members.append(#""\#(key)": "\#(value)""#) }
        }
        add("id", request.id)
        if let timestamp = request.timestamp { members.append(#""ts": \#(timestamp)"#) }
        add("method", request.method)
        members.append(#""path": "\#(request.path ?? "")""#)
        add("query", request.query)
        add("protocol", request.protocolVersion)
        add("body", request.body)
        var headers: [String] = []
        if let agent = request.userAgent { headers.append(#""User-Agent": "\#(agent)""#) }
        if let referer = request.referer { headers.append(#""Referer": "\#(referer)""#) }
        if !headers.isEmpty { members.append(#""headers": {\#(headers.joined(separator: ", "))}"#) }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
