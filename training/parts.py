"""Part features from the Swift extractor (``anomaly-service featurize``, extractor ``http-parts-v3``),
and the data preparation that turns every data set into requests the service would see.

A featurize directory of a part configuration holds one sparse row per request *part* (path, each
parameter value, the parameter names, a structured body, the user agent, the referer's path and
values) in CSR arrays, and which request row each part belongs to. The model scores each part and a
request's score is the largest of its parts' scores (docs/MODEL.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote_plus, unquote_plus

import numpy as np
import scipy.sparse as sp

PART_KINDS = ("path", "param", "names", "body", "user_agent", "referer")
PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass
class PartSet:
    """Requests and their parts. ``x`` has one row per part; ``part_row`` maps a part to its request."""

    x: sp.csr_matrix
    part_row: np.ndarray  # int64 [parts]
    part_kind: np.ndarray  # int8 [parts]
    ids: np.ndarray  # str [requests]
    source: np.ndarray
    split: np.ndarray
    label: np.ndarray  # int8: 1 attack, 0 normal, -1 unlabelled
    attack_type: np.ndarray
    group: np.ndarray
    feature_config: dict[str, Any]

    def __len__(self) -> int:
        return int(self.label.shape[0])

    def requests(self, mask: np.ndarray) -> "PartSet":
        """The requests where ``mask`` holds, with their parts."""
        keep = np.flatnonzero(mask)
        new_index = np.full(len(self), -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        parts = np.flatnonzero(mask[self.part_row])
        return PartSet(
            self.x[parts], new_index[self.part_row[parts]], self.part_kind[parts], self.ids[keep],
            self.source[keep], self.split[keep], self.label[keep], self.attack_type[keep], self.group[keep],
            self.feature_config,
        )

    @staticmethod
    def concat(sets: list["PartSet"]) -> "PartSet":
        offsets = np.cumsum([0] + [len(s) for s in sets[:-1]])
        return PartSet(
            sp.vstack([s.x for s in sets], format="csr", dtype=np.float32),
            np.concatenate([s.part_row + o for s, o in zip(sets, offsets)]),
            np.concatenate([s.part_kind for s in sets]),
            *(np.concatenate([getattr(s, f) for s in sets])
              for f in ("ids", "source", "split", "label", "attack_type", "group")),
            sets[0].feature_config,
        )


def load_parts(directory: str | Path) -> PartSet:
    d = Path(directory)
    indptr = np.load(d / "parts_indptr.npy")
    indices = np.load(d / "parts_indices.npy")
    data = np.load(d / "parts_data.npy")
    fc = json.loads((d / "feature_config.json").read_text())
    x = sp.csr_matrix((data, indices, indptr), shape=(indptr.size - 1, int(fc["hashed_dim"])), dtype=np.float32)
    x.sum_duplicates()
    rows = [json.loads(line) for line in (d / "rows.jsonl").read_text().splitlines() if line.strip()]

    def col(key: str) -> np.ndarray:
        return np.array([("" if r.get(key) is None else str(r[key])) for r in rows], dtype=object)

    label = np.load(d / "y.npy").astype(np.int8)
    return PartSet(x, np.load(d / "part_row.npy").astype(np.int64), np.load(d / "part_kind.npy"), col("id"),
                   col("source"), col("split"), label, col("attack_type"), col("group"), fc)


def request_max(part_scores: np.ndarray, part_row: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per request: the largest part score and the index of the part that gave it (the first one on
    ties, as the service keeps the first maximum)."""
    order = np.lexsort((np.arange(part_row.size), -part_scores, part_row))
    first = np.ones(order.size, dtype=bool)
    first[1:] = part_row[order][1:] != part_row[order][:-1]
    best = order[first]
    scores = np.full(n, -np.inf)
    argmax = np.full(n, -1, dtype=np.int64)
    scores[part_row[best]] = part_scores[best]
    argmax[part_row[best]] = best
    return scores, argmax


def row_hashes(x: sp.csr_matrix) -> np.ndarray:
    """A content hash of every row (its columns and values), to find identical parts."""
    out = np.empty(x.shape[0], dtype=object)
    ind, dat, ptr = x.indices, x.data, x.indptr
    for i in range(x.shape[0]):
        a, b = ptr[i], ptr[i + 1]
        out[i] = hashlib.blake2b(ind[a:b].tobytes() + dat[a:b].tobytes(), digest_size=12).digest()
    return out


# ------------------------------------------------------------------------------------ preparation


def as_value(raw: str) -> str:
    """A captured parameter value as raw text: percent-decoded once when it holds escapes."""
    return unquote_plus(raw) if PERCENT_ESCAPE.search(raw) else raw


def prepare(row: dict[str, Any]) -> dict[str, Any]:
    """A data-set row as the request the service would see.

    Rows of kind ``param_value``/``payload`` hold one bare value in ``query``; a real request
    carries it as a parameter, so it becomes ``v=<value, form-encoded>`` (otherwise its own ``&``
    and ``=`` would cut it apart). Probe labels the data sets carry elsewhere become ``attack_type``:
    elastic_apache's signature ``meta.rule``, and fwaf_bad URLs with no query (scanners asking for
    a path).
    """
    out = dict(row)
    if row.get("kind") in ("param_value", "payload") and row.get("query"):
        out["path"] = None
        out["query"] = "v=" + quote_plus(as_value(row["query"]))
    if row.get("label") == "attack" and not row.get("attack_type"):
        rule = (row.get("meta") or {}).get("rule")
        if rule:
            out["attack_type"] = rule
        elif row.get("source") == "fwaf_bad" and not row.get("query"):
            out["attack_type"] = "probe"
    out.pop("raw", None)
    return out


def content_key(row: dict[str, Any]) -> str:
    """Method, path, query and body: what makes two rows the same request (headers aside)."""
    return "\0".join(str(row.get(k) or "") for k in ("method", "path", "query", "body"))


def unit(key: str, seed: int) -> float:
    """A deterministic pseudo-uniform number in [0, 1) for ``key``."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "little") / 2**64


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n
