#!/usr/bin/env python3
"""Writes Tests/InferenceTests/AvroTestVectors.swift: Avro values encoded by an independent
implementation (fastavro's schemaless_writer), and canonical forms and CRC-64-AVRO fingerprints
computed by fastavro, for the Swift decoder's and schema parser's tests.

    python3 scripts/avro-test-vectors.py     # needs fastavro (pip install fastavro)

The Swift tests state the expected request fields themselves; this script only produces bytes.
"""
import io
import json
import pathlib
import struct

from fastavro import parse_schema, schemaless_writer
from fastavro.schema import fingerprint, to_parsing_canonical_form

ROOT = pathlib.Path(__file__).resolve().parent.parent
REFERENCE = json.loads((ROOT / "docs/schemas/request.avsc").read_text())

# Version 2 of the reference schema: a field added in the middle, with a default.
REFERENCE_V2 = json.loads(json.dumps(REFERENCE))
REFERENCE_V2["fields"].insert(3, {"name": "tenant", "type": ["null", "string"], "default": None})

# A richer writer: a nested request record (mapped by dotted path), every type to skip, an id
# written as a long, timestamp-micros, headers as an array of name/value records, a bytes body.
RICH = {
    "type": "record", "name": "Envelope", "namespace": "test.rich",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "flag", "type": "boolean"},
        {"name": "count", "type": "int"},
        {"name": "ratio", "type": "float"},
        {"name": "score", "type": "double"},
        {"name": "blob", "type": "bytes"},
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": {"type": "array", "items": "int"}}},
        {"name": "choice", "type": ["null", "int", "string", "Hash", {"type": "array", "items": "long"}]},
        {"name": "request", "type": {
            "type": "record", "name": "Request",
            "fields": [
                {"name": "verb", "type": "string"},
                {"name": "uri", "type": "string"},
                {"name": "peer", "type": {"type": "record", "name": "Peer", "fields": [
                    {"name": "ip", "type": ["null", "string"]}, {"name": "port", "type": "int"}]}},
            ]}},
        {"name": "headers", "type": {"type": "array", "items": {
            "type": "record", "name": "Header",
            "fields": [{"name": "name", "type": "string"}, {"name": "value", "type": "string"}]}}},
        {"name": "body", "type": ["null", "bytes"]},
        {"name": "trailer", "type": {"type": "array", "items": "Peer"}},
    ],
}

# Headers as a map of arrays of strings (the first value is the header's).
MULTI = {
    "type": "record", "name": "Multi",
    "fields": [
        {"name": "uri", "type": "string"},
        {"name": "headers", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
        {"name": "id", "type": "int"},
    ],
}

RECORDS = {
    "referenceFull": (REFERENCE, {
        "id": "r-1", "ts": 1732540800123, "method": "GET", "path": "/search", "query": "q=shoes",
        "protocol": "HTTP/1.1",
        "headers": {"Host": "example.com", "User-Agent": "curl/8.5", "REFERER": "http://r/", "Cookie": "a=b"},
        "body": "a=1&b=\u00e9", "remote_addr": "203.0.113.9"}),
    "referenceAbsolute": (REFERENCE, {
        "id": None, "ts": None, "method": None, "path": "http://example.com:8080/a/b?x=1&y=%27",
        "query": None, "protocol": None, "headers": None, "body": None, "remote_addr": None}),
    "referenceV2": (REFERENCE_V2, {
        "id": "r-2", "ts": 5, "method": "POST", "tenant": "acme", "path": "/login", "query": None,
        "protocol": "HTTP/1.0", "headers": {"user-agent": "UA"}, "body": "user=x", "remote_addr": None}),
    "rich": (RICH, {
        "id": -42, "flag": True, "count": -7, "ratio": 1.5, "score": -2.25, "blob": b"\x00\xff\x10",
        "hash": b"abcd", "colour": "BLUE", "ts": 1732540800123456, "tags": ["x", "yy", ""],
        "attrs": {"k": [1, 2, 3], "empty": []}, "choice": [7, -8, 9],
        "request": {"verb": "PUT", "uri": "/api/items/1?debug=true", "peer": {"ip": "198.51.100.7", "port": 443}},
        "headers": [{"name": "Accept", "value": "*/*"}, {"name": "user-agent", "value": "rich/1.0"},
                    {"name": "Referrer", "value": "http://ref/"}],
        "body": b"\x01\x02binary\xfe",
        "trailer": [{"ip": None, "port": 1}, {"ip": "x", "port": 2}]}),
    "multi": (MULTI, {
        "uri": "/m", "headers": {"Accept": ["a", "b"], "User-Agent": ["first", "second"], "Referer": []},
        "id": 2147483647}),
}

CANONICAL = [
    '"int"',
    '{"type": "long", "logicalType": "timestamp-millis"}',
    '["null", "string"]',
    json.dumps(REFERENCE),
    json.dumps(RICH),
    '{"type": "record", "name": "Outer", "namespace": "a.b", "fields": ['
    '{"name": "inner", "type": {"type": "record", "name": "Inner", "doc": "d", "fields": ['
    '{"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"], "default": "A"}},'
    '{"name": "hash", "type": {"type": "fixed", "name": "Hash", "namespace": "c", "size": 16}}]}},'
    '{"name": "again", "type": "Inner"}, {"name": "list", "type": {"type": "array", "items": "c.Hash"}}]}',
]


def swift_string(text, indent=12):
    """A raw string literal, cut into pieces joined by `+` so lines stay within 120 columns."""
    pieces = [text[i:i + 80] for i in range(0, len(text), 80)] or [""]
    if len(pieces) == 1:
        return "#\"" + text + "\"#"
    pad = " " * indent
    return ("\n" + pad + "+ ").join("#\"" + piece + "\"#" for piece in pieces)


def main():
    lines = [
        "// Generated by scripts/avro-test-vectors.py from fastavro; do not edit by hand.",
        "",
        "/// Avro test vectors from an independent implementation (fastavro).",
        "enum AvroTestVectors {",
    ]
    for name, (schema, record) in RECORDS.items():
        out = io.BytesIO()
        schemaless_writer(out, parse_schema(json.loads(json.dumps(schema))), record)
        data = out.getvalue()
        lines.append(f"    static let {name}Schema =")
        lines.append(f"        {swift_string(json.dumps(schema), 8)}")
        chunks = [", ".join(f"0x{b:02X}" for b in data[i:i + 16]) for i in range(0, len(data), 16)]
        lines.append(f"    static let {name}: [UInt8] = [")
        lines += [f"        {chunk}," for chunk in chunks]
        lines.append("    ]")
    lines.append("    /// Schema text, its canonical form and its CRC-64-AVRO fingerprint (as Java's `long`).")
    lines.append("    static let canonical: [(schema: String, canonical: String, fingerprint: UInt64)] = [")
    for text in CANONICAL:
        form = to_parsing_canonical_form(json.loads(text))
        # fastavro prints the fingerprint's eight bytes little-endian first.
        value = struct.unpack("<Q", bytes.fromhex(fingerprint(form, "CRC-64-AVRO")))[0]
        lines.append("        (")
        lines.append(f"            {swift_string(text, 16)},")
        lines.append(f"            {swift_string(form, 16)},")
        digits = f"{value:016X}"
        lines.append("            0x" + "_".join(digits[i:i + 4] for i in range(0, 16, 4)))
        lines.append("        ),")
    lines.append("    ]")
    lines.append("}")
    target = ROOT / "Tests/InferenceTests/AvroTestVectors.swift"
    target.write_text("\n".join(lines) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
