"""Attack rows made by placing attack payloads into benign carrier requests, one part at a time.

    python -m training.inject --carriers benign.jsonl --payloads httpparams.jsonl fuzzdb.jsonl --seed 1 --out x.jsonl
    (--parts path,query,body,user_agent,referer by default; --per-payload N carriers per payload and part)

Why: the data sets' attack strings (httpparams, fuzzdb) are bare values, and their only whole
requests belong to one shop (CSIC 2010). A detector that must catch a plain attack wherever it sits
in any site's request can only be trained and measured per position if the same payload appears in
the path, a query value, a form body, the user agent and the referer of ordinary requests. Each
payload is placed, encoded the way a browser or client would send it, into a copy of a random benign
carrier; everything else of the carrier is kept, so the payload is the only difference.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

from .categories import PARTS, category_of

PATH_SAFE = "/:@!$&'()*+,;=-._~"  # what a browser leaves unencoded in a path; '/' keeps traversals traversals
FORM = "application/x-www-form-urlencoded"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_EXTERNAL = re.compile(r"google\.|bing\.|yahoo\.|yandex\.|baidu\.|duckduckgo\.|naver\.|facebook\.|t\.co$|twitter\.")
# The one site of a data set whose rows carry no Host header (elastic_apache) or no referer (CSIC 2010).
_SITES = {"elastic_apache": "http://www.semicomplete.com", "csic2010": "http://localhost:8080"}
# Names an attacker (or a scanner) would target when a new parameter is added to the carrier's.
_NAMES = ("id", "q", "page", "name", "search", "file", "url", "redirect", "lang", "cat", "user", "comment", "item")


def raw_payload(row: dict[str, Any]) -> str:
    """A payload row's value as raw text: captured values are percent-decoded once when they hold escapes."""
    value = row.get("query") or ""
    return unquote_plus(value) if _ESCAPE.search(value) else value


def _with_param(qs: str, value: str, rng: random.Random) -> str:
    """``qs`` (raw, encoded) with ``value`` as one parameter's value: an existing one's or a new one at a
    random position; the other parameters stay byte for byte."""
    pairs = [p for p in qs.split("&") if p] if qs else []
    encoded = quote_plus(value)
    if pairs and rng.random() < 0.5:
        i = rng.randrange(len(pairs))
        pairs[i] = f"{pairs[i].split('=', 1)[0]}={encoded}"
    else:
        taken = {p.split("=", 1)[0] for p in pairs}
        name = rng.choice([n for n in _NAMES if n not in taken] or ["v"])
        pairs.insert(rng.randint(0, len(pairs)), f"{name}={encoded}")
    return "&".join(pairs)


def _with_segment(path: str, value: str, rng: random.Random) -> str:
    """``path`` with ``value`` as an extra last segment or in place of the last one, browser-encoded."""
    path = path or "/"
    encoded = quote(value, safe=PATH_SAFE)
    head, _, last = path.rpartition("/")
    base = head if last and path.count("/") > 1 and rng.random() < 0.5 else path.rstrip("/")
    return base + ("" if encoded.startswith("/") else "/") + encoded


def _site(carrier: dict[str, Any]) -> str:
    """Scheme and host of the carrier's own site: the generator's ``meta.site``, the data set's one site,
    its Host header, or the host of its referer unless that is a search engine or social site."""
    headers = carrier.get("headers") or {}
    ref = urlsplit(headers.get("referer") or "")
    own_ref = ref.netloc if ref.netloc and not _EXTERNAL.search(ref.netloc) else ""
    host = (carrier.get("meta") or {}).get("site") or headers.get("host") or own_ref
    if not host or carrier.get("source") in _SITES:
        return _SITES.get(carrier.get("source") or "", "https://www.example.com")
    return f"{ref.scheme if ref.netloc == host and ref.scheme else 'https'}://{host}"


def place(carrier: dict[str, Any], payload: str, part: str, traversal: bool,
          rng: random.Random) -> dict[str, Any] | None:
    """A copy of ``carrier`` (method, path, query, headers, body) with ``payload`` in ``part``; None when
    the payload has nothing left for that part (a user agent keeps no control characters)."""
    out = {k: carrier.get(k) for k in ("kind", "method", "path", "query", "body")}
    out["headers"] = headers = dict(carrier.get("headers") or {})
    out["path"], out["query"], out["body"] = out["path"] or "/", out["query"] or "", out["body"] or ""
    if part == "path":
        out["path"] = _with_segment(out["path"], payload, rng)
    elif part == "query":
        out["query"] = _with_param(out["query"], payload, rng)
    elif part == "body":
        body = out["body"]
        is_form = "=" in body and not body.lstrip().startswith(("{", "[", "<"))
        out["body"] = _with_param(body if is_form else "", payload, rng)
        out["method"] = "POST"
        headers["content-type"] = FORM
        if "content-length" in headers:
            headers["content-length"] = str(len(out["body"].encode()))
    elif part == "user_agent":
        ua = "".join(c for c in payload if ord(c) >= 0x20 and ord(c) != 0x7F)
        if not ua.strip():
            return None
        headers["user-agent"] = ua
    elif part == "referer":
        site = _site(carrier)
        if traversal:
            headers["referer"] = site + _with_segment(out["path"], payload, rng)
        else:
            headers["referer"] = f"{site}{out['path']}?{_with_param(out['query'], payload, rng)}"
    else:
        raise ValueError(f"unknown part {part!r}; expected one of {PARTS}")
    return out


def inject(carriers: list[dict], payloads: list[dict], parts: tuple[str, ...] = PARTS, *, seed: int,
           per_payload: int = 1) -> list[dict]:
    """For each attack payload row, each part and ``per_payload`` times: a random carrier with the payload
    placed in that part. Rows of other labels and payloads empty after stripping are skipped."""
    if not carriers:
        raise ValueError("no carriers")
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; expected some of {PARTS}")
    rng = random.Random(seed)
    out = []
    for p in payloads:
        value = raw_payload(p)
        if p.get("label", "attack") != "attack" or not value.strip():
            continue
        traversal = category_of(p.get("attack_type")) == "traversal"
        for part in parts:
            for k in range(per_payload):
                carrier = rng.choice(carriers)
                row = place(carrier, value, part, traversal, rng)
                if row is None:
                    continue
                out.append({"id": f"inject:{p['id']}:{part}" + (f":{k}" if k else ""),
                            "source": f"inject:{p.get('source')}", "kind": row["kind"] or "raw_http", "split": None,
                            "method": row["method"] or "GET", "path": row["path"], "query": row["query"],
                            "headers": row["headers"], "body": row["body"], "label": "attack",
                            "attack_type": p.get("attack_type"),
                            "meta": {"part": part, "payload_id": p["id"], "carrier_id": carrier.get("id")}})
    return out


def _read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--carriers", nargs="+", required=True, help="JSONL of benign requests (label normal)")
    ap.add_argument("--payloads", nargs="+", required=True, help="JSONL of attack rows; the payload is 'query'")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {','.join(PARTS)}")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-payload", type=int, default=1)
    ap.add_argument("--out", type=argparse.FileType("w", encoding="utf-8"), default="-", help="JSONL; '-': stdout")
    a = ap.parse_args(argv)
    carriers = [r for f in a.carriers for r in _read(f)
                if r.get("label") == "normal" and r.get("path") and r.get("kind") not in ("param_value", "payload")]
    payloads = [r for f in a.payloads for r in _read(f) if r.get("label") == "attack"]
    parts = tuple(p.strip() for p in a.parts.split(",") if p.strip())
    rows = inject(carriers, payloads, parts, seed=a.seed, per_payload=a.per_payload)
    a.out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(rows)} rows from {len(payloads)} payloads and {len(carriers)} carriers", file=sys.stderr)


if __name__ == "__main__":
    main()
