"""A synthetic ``anomaly-service featurize`` output directory, for tests and dry runs of the trainer.

    python -m training.synthetic --out /tmp/synth --rows 3000

Same layout as the real one (X.npy float32, y.npy int8, rows.jsonl, feature_config.json, errors.jsonl),
with the sources, splits and duplicate groups of the real data sets in miniature. The features are
random (not a feature extractor): they only exercise the trainer's plumbing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

FEATURE_CONFIG = {"synthetic": True, "dim": 96, "note": "training.synthetic; not a real extractor"}


def make(out: Path, rows: int = 3000, dim: int = 96, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    templates = rng.exponential(1.0, size=(24, dim)) * (rng.random((24, dim)) < 0.15)
    spec = [  # source, split, label, share
        ("csic2010", "train", 0, 0.25), ("csic2010", "test", 0, 0.25), ("csic2010", "test", 1, 0.17),
        ("httpparams", "train", 0, 0.05), ("httpparams", "train", 1, 0.03), ("httpparams", "test", 0, 0.03),
        ("httpparams", "test", 1, 0.02), ("fwaf_bad", None, 1, 0.08), ("fuzzdb", None, 1, 0.02),
        ("elastic_apache", None, 0, 0.09), ("elastic_apache", None, 1, 0.01),
    ]
    xs, ys, meta = [], [], []
    for source, split, label, share in spec:
        n_distinct = max(4, int(rows * share / (3 if source == "csic2010" else 1)))
        t = rng.integers(12, 24, n_distinct) if label else rng.integers(0, 12, n_distinct)
        base = templates[t] + rng.exponential(0.5, (n_distinct, dim)) * (rng.random((n_distinct, dim)) < 0.05)
        reps = rng.integers(1, 6, n_distinct) if source == "csic2010" else np.ones(n_distinct, int)
        for j in range(n_distinct):
            g = hashlib.sha256(f"{source}:{split}:{label}:{j}".encode()).hexdigest()[:16]
            # CSIC: the same content in train and test sometimes (the real data's 626 overlaps).
            if source == "csic2010" and split == "test" and label == 0 and j % 10 == 0:
                g = hashlib.sha256(f"{source}:train:0:{j}".encode()).hexdigest()[:16]
            for _ in range(reps[j]):
                xs.append(base[j])
                ys.append(label)
                meta.append({"id": f"{source}:{len(meta)}", "source": source, "split": split,
                             "label": "attack" if label else "normal", "attack_type": None, "group": g})
    x = np.asarray(xs, dtype=np.float64)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "X.npy", np.ascontiguousarray(x, dtype=np.float32))
    np.save(out / "y.npy", np.asarray(ys, dtype=np.int8))
    (out / "rows.jsonl").write_text("".join(json.dumps(m) + "\n" for m in meta))
    (out / "feature_config.json").write_text(json.dumps({**FEATURE_CONFIG, "dim": dim}))
    (out / "errors.jsonl").write_text("")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--dim", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    make(a.out, a.rows, a.dim, a.seed)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
