#!/usr/bin/env python3
"""Train the seed design's model the way a naive Python team would.

Features: scikit-learn's HashingVectorizer over character 1-3-grams of the URL-decoded
"method path?query body" text (4,096 columns, L2). Model: SVC(kernel="rbf", C=10, gamma="scale")
fitted on a stratified random sample of CSIC 2010 rows (all splits mixed, as a team that did not
read the data's README would). Deterministic for a given --seed. Prints one JSON line with the
number of support vectors on stdout; the pickle goes to --out.

    python3 bench/python_seed/train_seed_model.py [--out PATH] [--rows 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_model import SeedModel, default_model_path, make_vectorizer, request_text  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def default_data() -> str:
    """The repository's shipped csic2010.jsonl (data/, unpacked and verified by training.datasets)."""
    sys.path.insert(0, REPO)
    from training.datasets import data_file

    return str(data_file("csic2010"))


def load_rows(path: str) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    labels: list[int] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in ("attack", "normal"):
                continue
            texts.append(request_text(row.get("method"), row.get("path"), row.get("query"), row.get("body")))
            labels.append(1 if row["label"] == "attack" else 0)
    return texts, np.asarray(labels, dtype=np.int8)


def stratified_sample(labels: np.ndarray, rows: int, seed: int) -> np.ndarray:
    """Indices of ``rows`` rows, each label represented in proportion, chosen at random."""
    rng = np.random.default_rng(seed)
    picked = []
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        take = round(rows * len(members) / len(labels))
        picked.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(picked))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="csic2010.jsonl (default: the shipped data/csic2010.jsonl.xz, unpacked)")
    parser.add_argument("--out", default=default_model_path(), help="pickle to write (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=3000, help="stratified sample size (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed (default: %(default)s)")
    args = parser.parse_args()

    start = time.perf_counter()
    texts, labels = load_rows(args.data or default_data())
    index = stratified_sample(labels, args.rows, args.seed)
    vectorizer = make_vectorizer()
    x = vectorizer.transform([texts[i] for i in index])
    y = labels[index]
    svc = SVC(kernel="rbf", C=10, gamma="scale", random_state=args.seed)
    svc.fit(x, y)
    model = SeedModel(vectorizer=vectorizer, svc=svc)
    model.save(args.out)

    # Training accuracy on the sample and on an equal-size disjoint sample, for the log only.
    rest = np.setdiff1d(np.arange(len(labels)), index)
    check = np.random.default_rng(args.seed + 1).choice(rest, size=min(len(rest), args.rows), replace=False)
    held = float((svc.predict(vectorizer.transform([texts[i] for i in check])) == labels[check]).mean())
    print(
        json.dumps(
            {
                "model": model.identifier,
                "out": args.out,
                "rows": int(len(index)),
                "attacks": int(y.sum()),
                "support_vectors": model.support_vectors,
                "holdout_accuracy": round(held, 4),
                "seconds": round(time.perf_counter() - start, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
