"""Features from the Swift extractor: runs ``anomaly-service featurize`` and loads its output.

The feature extractor exists only in Swift so that training and serving cannot skew; this module
never computes a feature itself. Output directory layout (docs/MODEL_FORMAT.md): ``X.npy`` float32
[n, dim], ``y.npy`` int8 [n] (1 attack, 0 normal, -1 unlabelled), ``rows.jsonl`` (id, source, split,
label, attack_type, group), ``feature_config.json``, ``errors.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
FEATURIZER_CANDIDATES = (
    ".build/release/anomaly-service",
    ".build/debug/anomaly-service",
    ".build-inf/release/anomaly-service",
    ".build-train/release/anomaly-service",
    ".build-inf/debug/anomaly-service",
)


@dataclass
class FeatureSet:
    """Rows of one or more featurize runs, concatenated. ``x`` is CSR float32 (features are sparse)."""

    x: sp.csr_matrix
    y: np.ndarray  # int8: 1 attack, 0 normal, -1 unlabelled
    source: np.ndarray  # str
    split: np.ndarray  # str ("" when null)
    group: np.ndarray  # str
    ids: np.ndarray  # str
    attack_type: np.ndarray  # str ("" when null)
    feature_config: dict[str, Any]
    n_errors: int = 0

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    def subset(self, mask_or_index: np.ndarray) -> "FeatureSet":
        i = mask_or_index
        return FeatureSet(
            self.x[i], self.y[i], self.source[i], self.split[i], self.group[i], self.ids[i],
            self.attack_type[i], self.feature_config, 0,
        )

    @staticmethod
    def concat(parts: list["FeatureSet"]) -> "FeatureSet":
        parts = [p for p in parts if p is not None]
        base = parts[0].feature_config
        for p in parts[1:]:
            if canonical_json(p.feature_config) != canonical_json(base):
                raise ValueError("featurize runs disagree on feature_config; rebuild with one binary")
        return FeatureSet(
            sp.vstack([p.x for p in parts], format="csr", dtype=np.float32),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.source for p in parts]),
            np.concatenate([p.split for p in parts]),
            np.concatenate([p.group for p in parts]),
            np.concatenate([p.ids for p in parts]),
            np.concatenate([p.attack_type for p in parts]),
            base,
            sum(p.n_errors for p in parts),
        )


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _dense_to_csr(x: np.ndarray, chunk: int = 8192) -> sp.csr_matrix:
    blocks = [sp.csr_matrix(np.asarray(x[i : i + chunk], dtype=np.float32)) for i in range(0, x.shape[0], chunk)]
    if not blocks:
        return sp.csr_matrix((0, x.shape[1]), dtype=np.float32)
    return sp.vstack(blocks, format="csr", dtype=np.float32)


def load_featurized(directory: str | Path) -> FeatureSet:
    """Loads one featurize output directory (X.npy is memory-mapped and converted chunkwise)."""
    d = Path(directory)
    x = np.load(d / "X.npy", mmap_mode="r")
    if x.dtype != np.float32 or x.ndim != 2:
        raise ValueError(f"{d}/X.npy: expected float32 [n, dim], got {x.dtype} {x.shape}")
    y = np.load(d / "y.npy").astype(np.int8)
    rows = [json.loads(line) for line in (d / "rows.jsonl").read_text().splitlines() if line.strip()]
    if not (len(rows) == y.shape[0] == x.shape[0]):
        raise ValueError(f"{d}: X has {x.shape[0]} rows, y {y.shape[0]}, rows.jsonl {len(rows)}")
    fc = json.loads((d / "feature_config.json").read_text())
    n_err = 0
    if (d / "errors.jsonl").exists():
        n_err = sum(1 for line in (d / "errors.jsonl").read_text().splitlines() if line.strip())

    def col(key: str) -> np.ndarray:
        return np.array([("" if r.get(key) is None else str(r.get(key))) for r in rows], dtype=object)

    return FeatureSet(
        _dense_to_csr(x), y, col("source"), col("split"), col("group"), col("id"), col("attack_type"), fc, n_err
    )


def find_featurizer(explicit: str | None = None) -> Path:
    """``--featurizer`` if given, else the first of FEATURIZER_CANDIDATES that exists, else a release build."""
    if explicit:
        p = Path(explicit)
        if not p.exists():
            raise FileNotFoundError(f"featurizer {p} does not exist")
        return p
    for c in FEATURIZER_CANDIDATES:
        if (REPO / c).exists() and _has_featurize(REPO / c):
            return REPO / c
    print("train: no anomaly-service binary; running swift build -c release", file=sys.stderr)
    subprocess.run(["swift", "build", "-c", "release", "--product", "anomaly-service"], cwd=REPO, check=True)
    return REPO / FEATURIZER_CANDIDATES[0]


def _has_featurize(binary: Path) -> bool:
    """Whether ``binary`` is a build whose ``featurize`` takes ``--feature-config`` (stale builds exist)."""
    try:
        r = subprocess.run([str(binary), "featurize", "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and b"--feature-config" in r.stdout + r.stderr


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def featurize(data_file: str | Path, featurizer: Path, cache_dir: Path | None,
              config: str | Path | None = None) -> Path:
    """Runs ``featurizer featurize FILE --out DIR [--feature-config CONFIG]``; returns DIR.
    Cached by the digests of input, binary and configuration."""
    data_file = Path(data_file)
    key = hashlib.sha256(
        (_file_digest(data_file) + _file_digest(featurizer) + (_file_digest(Path(config)) if config else "")).encode()
    ).hexdigest()[:16]
    base = cache_dir if cache_dir is not None else Path(os.environ.get("TMPDIR", "/tmp")) / "asvm-features"
    out = base / f"{data_file.stem}-{key}"
    if (out / "feature_config.json").exists() and ((out / "X.npy").exists() or (out / "parts_indptr.npy").exists()):
        return out
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    cmd = [str(featurizer), "featurize", str(data_file), "--out", str(tmp)]
    if config:
        cmd += ["--feature-config", str(config)]
    subprocess.run(cmd, check=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def file_digest(path: str | Path) -> str:
    return _file_digest(Path(path))
