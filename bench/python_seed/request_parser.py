"""The input contract (docs/CONTRACT.md), parsed the plain Python way: ``json.loads`` and a regex.

Only what the seed's featurisation needs is kept (id, method, path, query, body). Refusal reasons
use the contract's codes; the one bound not enforced exactly is the JSON nesting limit (Python's
recursion limit stands in for the contract's 32 levels).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_VALUE_BYTES = 4 * 1024 * 1024
_STRING_FIELDS = ("method", "path", "query", "body", "protocol", "remote_addr")
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_CLF = re.compile(
    r"^(\S+) (\S+) (\S+) \[([^\]]*)\] " + _QUOTED + r" (\S+) (\S+)(?: " + _QUOTED + " " + _QUOTED + ")?"
)
_CLF_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)")


@dataclass
class Request:
    id: str | None
    method: str | None
    path: str
    query: str | None
    body: str | None


class ParseError(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def parse(value: bytes | None) -> Request:
    """One message value to a request, or ``ParseError`` with the contract's reason code."""
    if value is None:
        raise ParseError("empty", "no value")
    if len(value) > MAX_VALUE_BYTES:
        raise ParseError("tooLarge", f"{len(value)} bytes > {MAX_VALUE_BYTES}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError("invalidUTF8", str(e)) from None
    text = text.strip(" \t\r\n")
    if not text:
        raise ParseError("empty", "nothing but whitespace")
    if text[0] == "{":
        return _parse_json(text)
    if text[0] in '["':
        raise ParseError("notJSONObject", "top level is not an object")
    return _parse_clf(text)


def _parse_json(text: str) -> Request:
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ParseError("tooDeep", "nesting too deep") from None
    except json.JSONDecodeError as e:
        code = "truncated" if e.pos >= len(text) else "invalidJSON"
        raise ParseError(code, str(e)) from None
    if not isinstance(obj, dict):
        raise ParseError("notJSONObject", "top level is not an object")
    for name in _STRING_FIELDS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise ParseError("wrongFieldType", f"{name} is not a string")
    headers = obj.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise ParseError("wrongFieldType", "headers is not an object")
    rid = obj.get("id")
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int))):
        raise ParseError("wrongFieldType", "id is not a string or integer")
    path, query = obj.get("path"), obj.get("query")
    if path is None and query is None:
        raise ParseError("missingPath", "neither path nor query")
    path, query = _split_target(path or "", query)
    return Request(
        id=None if rid is None else str(rid), method=obj.get("method"), path=path, query=query, body=obj.get("body")
    )


def _parse_clf(text: str) -> Request:
    match = _CLF.match(text)
    if match is None:
        raise ParseError("clfMalformed", "not a Combined/Common Log Format line")
    line = _unescape(match.group(5)).strip()
    if not line or line == "-":
        raise ParseError("clfMalformed", "empty request line")
    parts = line.split(" ")
    method = None
    if len(parts) >= 3 and parts[-1].startswith("HTTP/"):
        method, target = parts[0], " ".join(parts[1:-1])
    elif len(parts) >= 2:
        method, target = parts[0], " ".join(parts[1:])
    else:
        target = line
    path, query = _split_target(target, None)
    return Request(id=None, method=method, path=path, query=query, body=None)


def _split_target(path: str, query: str | None) -> tuple[str, str | None]:
    uri = _ABSOLUTE_URI.match(path)
    if uri:
        path = path[uri.end() :]
    if not query and "?" in path:
        path, query = path.split("?", 1)
    return path, query


def _unescape(quoted: str) -> str:
    def replace(m: re.Match) -> str:
        esc = m.group(1)
        if esc[0] == "x":
            return chr(int(esc[1:], 16))
        return {"n": "\n", "t": "\t"}.get(esc, esc)

    return _CLF_ESCAPE.sub(replace, quoted)
