"""The benign generator's rows are ordinary, well-formed requests of many sites and languages, and
``inject`` puts each payload, verbatim once decoded, in exactly the part it names."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urlsplit

import pytest

from training import benign_synth, inject
from training.categories import PARTS
from training.datasets import data_file

KEYS = {"id", "source", "kind", "split", "method", "path", "query", "headers", "body", "label", "attack_type", "meta"}
FORBIDDEN = re.compile(r"<script|\.\./|' or ", re.I)


@pytest.fixture(scope="module")
def benign():
    return benign_synth.generate(3000, seed=11)


def _decoded(row):
    h = row["headers"]
    return " ".join((unquote(row["path"]), unquote_plus(row["query"]), unquote_plus(row["body"]),
                     h.get("user-agent", ""), unquote_plus(h.get("referer", ""))))


def test_benign_is_deterministic_for_a_seed():
    assert benign_synth.generate(200, seed=3) == benign_synth.generate(200, seed=3)
    assert benign_synth.generate(200, seed=3) != benign_synth.generate(200, seed=4)


def test_benign_is_the_same_in_every_process():
    """String hashing differs per process; nothing drawn may depend on it (Faker's it_IT cities did)."""
    code = ("import hashlib, json; from training.benign_synth import generate; "
            "print(hashlib.sha256(json.dumps(generate(1500, seed=5)).encode()).hexdigest())")
    root = Path(__file__).resolve().parents[2]
    digests = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": h}).stdout for h in ("1", "2")}
    assert len(digests) == 1


def test_benign_rows_follow_the_schema_and_parse(benign):
    assert len({r["id"] for r in benign}) == len(benign)
    for r in benign:
        assert set(r) == KEYS, r
        assert (r["source"], r["kind"], r["label"], r["split"], r["attack_type"]) == (
            "synthetic_benign", "raw_http", "normal", None, None)
        assert r["meta"]["app"] in benign_synth.ARCHETYPES and r["meta"]["locale"] in benign_synth.LOCALES
        assert r["path"].startswith("/") and "?" not in r["path"] and " " not in r["path"]
        assert not r["query"].startswith("?") and " " not in r["query"]
        assert all(k == k.lower() for k in r["headers"])
        assert r["method"] in ("GET", "POST", "PATCH", "DELETE")
        ctype = r["headers"].get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            assert r["method"] == "POST" and r["body"]
            assert urlencode(parse_qsl(r["body"], keep_blank_values=True, strict_parsing=True)) == r["body"]
        elif ctype == "application/json":
            assert isinstance(json.loads(r["body"]), dict)
        else:
            assert r["body"] == ""
        if r["query"]:
            assert all("=" in p for p in r["query"].split("&")), r["query"]
        if "referer" in r["headers"]:
            assert urlsplit(r["headers"]["referer"]).scheme in ("http", "https")


def test_benign_covers_every_archetype_many_locales_and_encodings(benign):
    assert {r["meta"]["app"] for r in benign} == set(benign_synth.ARCHETYPES)
    non_ascii = {r["meta"]["locale"] for r in benign if not _decoded(r).isascii()}
    assert len(non_ascii) >= 10, non_ascii
    assert len({r["meta"]["locale"] for r in benign}) == len(benign_synth.LOCALES)
    assert any("%E" in r["path"] for r in benign) and any(not r["path"].isascii() for r in benign)  # encoded and raw
    assert any("+" in r["query"] for r in benign) and any("%20" in r["query"] for r in benign)
    assert any("'" in unquote_plus(r["body"]) for r in benign)  # apostrophes as people write them
    n = len(benign)
    assert 0.05 < sum("referer" not in r["headers"] for r in benign) / n < 0.4
    assert 0.01 < sum("user-agent" not in r["headers"] for r in benign) / n < 0.06
    assert {"GET", "POST"} <= {r["method"] for r in benign}


def test_benign_holds_nothing_attack_like(benign):
    for r in benign:
        assert not FORBIDDEN.search(_decoded(r)), r


# ------------------------------------------------------------------------------------------ inject

PAYLOADS = [
    {"id": "t:1", "source": "t", "query": "' OR 1=1--", "attack_type": "sqli", "label": "attack"},
    {"id": "t:2", "source": "t", "query": "<script>alert(document.cookie)</script>", "attack_type": "xss",
     "label": "attack"},
    {"id": "t:3", "source": "t", "query": "../../../../etc/passwd", "attack_type": "path-traversal", "label": "attack"},
    {"id": "t:4", "source": "t", "query": "%2e%2e%2f%2e%2e%2fetc%2fpasswd%00", "attack_type": "lfi", "label": "attack"},
    {"id": "t:5", "source": "t", "query": "; cat /etc/passwd #", "attack_type": "cmdi", "label": "attack"},
    {"id": "t:6", "source": "t", "query": "a+b&c=d?e#f %uff0e{FILE}", "attack_type": "rfi", "label": "attack"},
    {"id": "t:7", "source": "t", "query": "x\r\nSet-Cookie: a=1\x00\x7f", "attack_type": "crlf", "label": "attack"},
    {"id": "t:8", "source": "t", "query": "\"><svg/onload=alert('é')>", "attack_type": "xss", "label": "attack"},
    {"id": "t:9", "source": "t", "query": "   ", "attack_type": "sqli", "label": "attack"},
    {"id": "t:10", "source": "t", "query": "a normal value", "attack_type": None, "label": "normal"},
]
CARRIERS = [
    {"id": "c:csic", "source": "csic2010", "kind": "raw_http", "method": "POST", "path": "/tienda1/publico/anadir.jsp",
     "query": "", "body": "id=3&nombre=Vino+Rioja&B1=A%F1adir+al+carrito", "label": "normal",
     "headers": {"user-agent": "Mozilla/5.0 (compatible; Konqueror/3.5; Linux)", "host": "localhost:8080",
                 "content-type": "application/x-www-form-urlencoded", "content-length": "45"}},
    {"id": "c:clf", "source": "elastic_apache", "kind": "clf", "method": "GET", "path": "/blog/tags/puppet",
     "query": "flav=rss20", "body": "", "label": "normal",
     "headers": {"user-agent": "Mozilla/5.0 (X11; Linux x86_64)", "referer": "https://www.google.com/"}},
]


def _carrier_map(carriers):
    return {c["id"]: c for c in carriers}


def _check(row, payload, carrier):
    part, h, ch = row["meta"]["part"], row["headers"], carrier.get("headers") or {}
    same = {"path": row["path"] == (carrier["path"] or "/"), "query": row["query"] == (carrier["query"] or ""),
            "body": row["body"] == (carrier["body"] or ""), "user_agent": h.get("user-agent") == ch.get("user-agent"),
            "referer": h.get("referer") == ch.get("referer")}
    for other, equal in same.items():
        if other != part:
            assert equal, (other, row, carrier)
    values = lambda qs: [v for _, v in parse_qsl(qs, keep_blank_values=True)]  # noqa: E731
    if part == "path":
        assert row["path"].startswith("/") and payload in unquote(row["path"])
        assert not set("?# \r\n") & set(row["path"])  # the payload cannot end the path early
    elif part == "query":
        assert payload in unquote_plus(row["query"]) and payload in values(row["query"])  # one whole value
    elif part == "body":
        assert payload in unquote_plus(row["body"]) and payload in values(row["body"]) and row["method"] == "POST"
        assert h["content-type"] == "application/x-www-form-urlencoded"
    elif part == "user_agent":
        assert h["user-agent"] == "".join(c for c in payload if ord(c) >= 0x20 and ord(c) != 0x7F)
    else:
        ref = urlsplit(h["referer"])
        assert ref.scheme in ("http", "https") and ref.netloc
        assert payload in unquote(ref.path) or payload in values(ref.query)
    if part != "body":
        assert row["method"] == carrier["method"]
        assert {k: v for k, v in h.items() if k not in ("user-agent", "referer")} == \
               {k: v for k, v in ch.items() if k not in ("user-agent", "referer")}


def _check_all(rows, payloads, carriers):
    by_id, cmap = {p["id"]: p for p in payloads}, _carrier_map(carriers)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        p = by_id[r["meta"]["payload_id"]]
        assert set(r) == KEYS and r["label"] == "attack" and r["attack_type"] == p.get("attack_type")
        assert r["source"] == f"inject:{p['source']}" and r["id"].startswith(f"inject:{p['id']}:{r['meta']['part']}")
        _check(r, inject.raw_payload(p), cmap[r["meta"]["carrier_id"]])


def test_inject_places_the_decoded_payload_in_exactly_the_named_part():
    carriers = benign_synth.generate(300, seed=2) + CARRIERS
    rows = inject.inject(carriers, PAYLOADS, seed=5, per_payload=3)
    _check_all(rows, PAYLOADS, carriers)
    assert {r["meta"]["part"] for r in rows} == set(PARTS)
    ids = {r["meta"]["payload_id"] for r in rows}
    assert "t:9" not in ids and "t:10" not in ids  # blank payload, non-attack row
    assert inject.raw_payload(PAYLOADS[3]) == "../../etc/passwd\x00"  # captured escapes decoded once
    traversal_refs = [r for r in rows if r["meta"]["part"] == "referer" and r["meta"]["payload_id"] == "t:3"]
    assert traversal_refs and all("/../" in urlsplit(r["headers"]["referer"]).path for r in traversal_refs)


def test_inject_is_deterministic_and_takes_the_parts_asked_for():
    carriers = benign_synth.generate(100, seed=1)
    a = inject.inject(carriers, PAYLOADS, ("query", "referer"), seed=1)
    assert a == inject.inject(carriers, PAYLOADS, ("query", "referer"), seed=1)
    assert a != inject.inject(carriers, PAYLOADS, ("query", "referer"), seed=2)
    assert {r["meta"]["part"] for r in a} == {"query", "referer"}
    with pytest.raises(ValueError):
        inject.inject(carriers, PAYLOADS, ("cookie",), seed=1)


def test_inject_real_payloads_into_real_and_generated_carriers():
    def sample(name, n, label):
        with open(data_file(name.removesuffix(".jsonl")), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if f'"label": "{label}"' in line]
        return rows[:: max(1, len(rows) // n)][:n]
    payloads = sample("fuzzdb.jsonl", 400, "attack") + sample("httpparams.jsonl", 400, "attack")
    carriers = benign_synth.generate(200, seed=9) + sample("csic2010.jsonl", 50, "normal") + \
        sample("elastic_apache.jsonl", 50, "normal")
    rows = inject.inject(carriers, payloads, seed=3)
    assert len(rows) > 0.95 * len(PARTS) * len(payloads)
    _check_all(rows, payloads, carriers)
