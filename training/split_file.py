"""Splits a JSONL request file in two by time, for "unseen application" experiments.

    python -m training.split_file ../shared/data/elastic_apache.jsonl --first 0.5 \\
        --out /tmp/apache-early.jsonl /tmp/apache-late.jsonl

Rows are ordered by ``meta.time`` (then by line); the first ``--first`` share goes to the first
output (an operator's past traffic, for ``--benign``), the rest to the second (their future traffic,
for ``--eval``). With ``--normals-only-first``, rows labelled attack are left out of the first file
(an operator who vetted their sample); by default they stay in and ``train --benign`` drops them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.split_file", description=__doc__.split("\n\n")[0])
    ap.add_argument("input", type=Path)
    ap.add_argument("--first", type=float, default=0.5)
    ap.add_argument("--out", nargs=2, type=Path, required=True)
    ap.add_argument("--normals-only-first", action="store_true")
    args = ap.parse_args(argv)
    lines = [line for line in args.input.read_text().splitlines() if line.strip()]
    keyed = []
    for i, line in enumerate(lines):
        row = json.loads(line)
        keyed.append(((row.get("meta") or {}).get("time") or "", i, line, row.get("label")))
    keyed.sort()
    cut = int(len(keyed) * args.first)
    first = [k for k in keyed[:cut] if not (args.normals_only_first and k[3] == "attack")]
    second = keyed[cut:]
    for path, part in zip(args.out, (first, second)):
        path.write_text("".join(k[2] + "\n" for k in part))
    print(f"{args.out[0]}: {len(first)} rows up to {keyed[cut - 1][0] if cut else '-'}; "
          f"{args.out[1]}: {len(second)} rows from {keyed[cut][0] if cut < len(keyed) else '-'}")


if __name__ == "__main__":
    main()
