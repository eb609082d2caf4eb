"""Threshold selection for a target false-positive rate, and metrics per source."""

from __future__ import annotations

from typing import Any

import numpy as np


def threshold_for_fpr(normal_scores: np.ndarray, target_fpr: float) -> float:
    """The smallest threshold ``t`` among the scores such that at most ``floor(target_fpr * n)`` of
    ``normal_scores`` are ``> t`` (anomalous means ``score > t``)."""
    s = np.sort(np.asarray(normal_scores, dtype=np.float64))[::-1]
    if s.size == 0:
        raise ValueError("no normal scores to calibrate on")
    k = int(np.floor(target_fpr * s.size + 1e-9))
    return float(s[min(k, s.size - 1)])


def threshold_per_source(
    scores: np.ndarray, y: np.ndarray, source: np.ndarray, target_fpr: float, min_normals: int = 50,
    always: str = "benign",
) -> tuple[float, dict[str, float]]:
    """The largest of the per-source thresholds over sources with at least ``min_normals`` normals
    (each source's normals then meet the target on this data), and the per-source thresholds.
    Sources whose name starts with ``always`` (an operator's own traffic) count from 1 normal."""
    per: dict[str, float] = {}
    for s in np.unique(source):
        m = (source == s) & (y == 0)
        if m.sum() >= (1 if str(s).startswith(always) else min_normals):
            per[str(s)] = threshold_for_fpr(scores[m], target_fpr)
    if not per:
        m = y == 0
        per["all"] = threshold_for_fpr(scores[m], target_fpr)
    return max(per.values()), per


def binary_metrics(pred: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    n_att, n_norm = tp + fn, fp + tn
    det = tp / n_att if n_att else None
    fpr = fp / n_norm if n_norm else None
    prec = tp / (tp + fp) if (tp + fp) else None
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None
    return {
        "n_normal": n_norm, "n_attack": n_att, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "detection_rate": det, "fpr": fpr, "precision": prec, "f1": f1,
    }


def per_source_metrics(
    scores: np.ndarray, y: np.ndarray, source: np.ndarray, threshold: float
) -> dict[str, dict[str, Any]]:
    """Metrics per source plus ``all``; rows with label -1 are ignored."""
    pred = (scores > threshold).astype(np.int8)
    lab = y >= 0
    out = {str(s): binary_metrics(pred[lab & (source == s)], y[lab & (source == s)]) for s in np.unique(source[lab])}
    out["all"] = binary_metrics(pred[lab], y[lab])
    return out


def format_table(metrics: dict[str, dict[str, Any]], title: str = "") -> str:
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.2f}%"

    lines = []
    if title:
        lines.append(title)
    lines.append("| source | normals | attacks | detection rate | FPR | precision | F1 |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for s, m in metrics.items():
        lines.append(
            f"| {s} | {m['n_normal']} | {m['n_attack']} | {pct(m['detection_rate'])} | {pct(m['fpr'])}"
            f" | {pct(m['precision'])} | {pct(m['f1'])} |"
        )
    return "\n".join(lines)
