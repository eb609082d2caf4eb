import Foundation
import Inference
import Testing

@Suite struct AvroRequestSchemaTests {
    @Test func checkedInSchemaFileAgreesWithTheConstant() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(
            contentsOf: repository.appendingPathComponent("docs/schemas/request.avsc"),
            encoding: .utf8
        )
        let file = try AvroSchema(parsing: text)
        #expect(file.canonicalForm == AvroRequestSchema.schema.canonicalForm)
        #expect(file.fingerprint == AvroRequestSchema.schema.fingerprint)
        #expect(file.name == "anomaly.v1.AnomalyRequest")
    }

    @Test func encoderWritesWhatFastavroWrites() {
        let request = HTTPRequest(
            id: "r-1",
            timestamp: 1_732_540_800_123,
            method: "GET",
            path: "/search",
            query: "q=shoes",
            protocolVersion: "HTTP/1.1",
            body: "a=1&b=é",
            remoteAddress: "203.0.113.9"
        )
        let headers = [
            ("Host", "example.com"), ("User-Agent", "curl/8.5"), ("REFERER", "http://r/"), ("Cookie", "a=b"),
        ]
        #expect(AvroRequestSchema.encode(request, headers: headers) == AvroTestVectors.referenceFull)
    }

    @Test func wireFormatHeaderRoundTrips() {
        var out: [UInt8] = []
        ConfluentWireFormat.appendHeader(schemaID: 0x0102_0304, to: &out)
        #expect(out == [0, 1, 2, 3, 4])
        #expect(ConfluentWireFormat.schemaID(of: out.span) == 0x0102_0304)
        let short: [UInt8] = [0, 1, 2, 3]
        let notMagic: [UInt8] = [1, 1, 2, 3, 4]
        #expect(ConfluentWireFormat.schemaID(of: short.span) == nil)
        #expect(ConfluentWireFormat.schemaID(of: notMagic.span) == nil)
    }

    @Test func binaryWriterEncodesAsTheSpecificationSays() {
        var out: [UInt8] = []
        AvroBinary.appendLong(0, to: &out)
        AvroBinary.appendLong(-1, to: &out)
        AvroBinary.appendLong(1, to: &out)
        AvroBinary.appendLong(-64, to: &out)
        AvroBinary.appendLong(64, to: &out)
        #expect(out == [0x00, 0x01, 0x02, 0x7F, 0x80, 0x01])
        out.removeAll()
        AvroBinary.appendLong(.min, to: &out)
        #expect(out == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        out.removeAll()
        AvroBinary.appendInt(.max, to: &out)
        AvroBinary.appendBoolean(true, to: &out)
        AvroBinary.appendFloat(1, to: &out)
        AvroBinary.appendDouble(-2, to: &out)
        AvroBinary.appendString("é", to: &out)
        AvroBinary.appendUnionIndex(2, to: &out)
        #expect(
            out == [
                0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0, 0, 0x80, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0, 0x04, 0xC3, 0xA9, 0x04,
            ]
        )
    }
}
