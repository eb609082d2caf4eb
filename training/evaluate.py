"""The evaluation report an operator reads: detection and false alarms per source, detection per
attack category and per position, how well the named category matches, which request part raised
the alarms, and score / ROC / precision-recall figures.

Rows are counted as traffic arrives: duplicates are kept, so a benign request seen 100 times weighs
100 times, as it does in an operator's alert queue. The per-distinct figures count each content
group once, which tells whether a false-positive rate comes from many requests or from one request
repeated.

    python -m training.evaluate --table T.npz --threshold X --out DIR
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .categories import CATEGORIES, PARTS
from .metrics import binary_metrics

_STR_FIELDS = ("source", "true_category", "true_part", "group", "pred_category", "pred_part")
FIGURES = ("score_hist.png", "roc.png", "pr.png")


@dataclass
class EvalTable:
    """Equal-length columns, one entry per evaluated row: ``source`` (data set or application),
    ``label`` (1 attack, 0 normal), ``true_category`` (one of CATEGORIES, "" unknown), ``true_part``
    (one of PARTS, "" unknown or whole request), ``group`` (content hash: same group, same distinct
    request), ``score`` (anomalous when > threshold), and what the model named where it flagged the
    row: ``pred_category`` and ``pred_part`` (the part that decided the score)."""

    source: np.ndarray
    label: np.ndarray
    true_category: np.ndarray
    true_part: np.ndarray
    group: np.ndarray
    score: np.ndarray
    pred_category: np.ndarray
    pred_part: np.ndarray

    def __post_init__(self) -> None:
        # numpy unicode arrays, so that a table saves without pickle and compares element-wise
        for name in _STR_FIELDS:
            setattr(self, name, np.asarray(getattr(self, name)).astype(str))
        self.label = np.asarray(self.label).astype(np.int8)
        self.score = np.asarray(self.score).astype(np.float64)
        lengths = {f.name: len(getattr(self, f.name)) for f in fields(self)}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns differ in length: {lengths}")

    def __len__(self) -> int:
        return len(self.score)

    @classmethod
    def concat(cls, tables: list[EvalTable]) -> EvalTable:
        return cls(**{f.name: np.concatenate([getattr(t, f.name) for t in tables]) for f in fields(cls)})

    def subset(self, mask: np.ndarray) -> EvalTable:
        return EvalTable(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})


def save_table(table: EvalTable, path: Path | str) -> None:
    # through a file handle, so that numpy does not append ".npz" to a path named otherwise
    with open(path, "wb") as f:
        np.savez_compressed(f, **{fl.name: getattr(table, fl.name) for fl in fields(table)})


def load_table(path: Path | str) -> EvalTable:
    with np.load(path, allow_pickle=False) as z:
        return EvalTable(**{f.name: z[f.name] for f in fields(EvalTable)})


def _ordered(present: set[str], order: tuple[str, ...], last: str) -> list[str]:
    """Canonical names first, then other values alphabetically, then ``last`` (the unknown bucket)."""
    return [k for k in order if k in present] + sorted(present - set(order) - {last}) + ([last] if last in present else [])


def _distinct(group: np.ndarray, y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Metrics counting each (group, label) once. A group is flagged if any of its rows is: rows of
    one group normally agree (same content, same score); where they do not, an alarm on that content
    is what the operator sees. A group with both labels counts once as a normal and once as an
    attack."""
    d_pred, d_y = [], []
    for lab in (0, 1):
        m = y == lab
        groups = np.unique(group[m])
        d_pred.append(np.isin(groups, group[m & pred]))
        d_y.append(np.full(groups.size, lab, np.int8))
    return binary_metrics(np.concatenate(d_pred), np.concatenate(d_y))


def _detection_by(keys: np.ndarray, detected: np.ndarray, order: tuple[str, ...], blank: str) -> dict[str, Any]:
    keys = np.where(keys == "", blank, keys)
    out = {}
    for k in _ordered(set(keys.tolist()), order, blank):
        m = keys == k
        n, det = int(m.sum()), int((detected & m).sum())
        out[k] = {"n_attack": n, "detected": det, "detection_rate": det / n}
    return out


def _confusion(table: EvalTable, pred: np.ndarray) -> dict[str, Any]:
    """True x named category over detected attacks of known category; an empty name shows as ``none``."""
    m = (table.label == 1) & pred & (table.true_category != "")
    true = table.true_category[m]
    named = np.where(table.pred_category[m] == "", "none", table.pred_category[m])
    labels = _ordered(set(true.tolist()) | set(named.tolist()), CATEGORIES, "none")
    index = {c: i for i, c in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, (np.array([index[c] for c in true], dtype=int), np.array([index[c] for c in named], dtype=int)), 1)
    n, correct = int(m.sum()), int(np.trace(matrix))
    return {"labels": labels, "matrix": matrix.tolist(), "n": n, "correct": correct,
            "accuracy": correct / n if n else None}


def evaluate(table: EvalTable, threshold: float, out_dir: Path | None = None, title: str = "") -> dict[str, Any]:
    """The report (JSON-serialisable); with ``out_dir``, also the figures, named under ``figures``.
    Per distinct, the ``all`` row counts content seen in two sources once. The report holds no
    request text: a caller that has it may add e.g. ``top_false_positives``."""
    pred = table.score > threshold
    y = table.label
    per_source = {}
    for s in [str(s) for s in np.unique(table.source)] + ["all"]:
        m = np.ones(len(table), bool) if s == "all" else table.source == s
        per_source[s] = binary_metrics(pred[m], y[m]) | {"distinct": _distinct(table.group[m], y[m], pred[m])}
    att = y == 1
    fp = Counter(table.pred_part[pred & (y == 0)].tolist())
    tp = Counter(table.pred_part[pred & att].tolist())
    decided_by = {k or "unknown": {"fp": fp[k], "tp": tp[k]}
                  for k in sorted(set(fp) | set(tp), key=lambda k: (-fp[k], -tp[k], k))}
    report = {
        "title": title,
        "threshold": float(threshold),
        "per_source": per_source,
        "per_category": _detection_by(table.true_category[att], pred[att], CATEGORIES, "unknown"),
        "per_part": _detection_by(table.true_part[att], pred[att], PARTS, "whole"),
        "category_confusion": _confusion(table, pred),
        "decided_by": decided_by,
        "figures": [],
    }
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        report["figures"] = _figures(table, threshold, Path(out_dir), title)
    return report


def _curves(table: EvalTable) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, label, score) per ROC / PR curve: each source with both classes; each source with only
    normals against every attack in the table (its false alarms weighed against what is caught);
    and ``all``. Sources with only attacks have no curve of their own."""
    y, out = table.label, []
    for s in np.unique(table.source):
        m = table.source == s
        classes = set(np.unique(y[m]).tolist())
        if classes == {0, 1}:
            out.append((str(s), y[m], table.score[m]))
        elif classes == {0} and (y == 1).any():
            mm = (m & (y == 0)) | (y == 1)
            out.append((f"{s} vs all attacks", y[mm], table.score[mm]))
    if set(np.unique(y).tolist()) == {0, 1}:
        out.append(("all", y, table.score))
    return out


def _figures(table: EvalTable, threshold: float, out_dir: Path, title: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    prefix = f"{title}: " if title else ""
    sources = np.unique(table.source)
    ncols = min(3, len(sources))
    nrows = -(-len(sources) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, max(6, 3 * nrows)), dpi=110, squeeze=False)
    bins = np.histogram_bin_edges(np.r_[table.score, threshold], bins=60)
    for ax, s in zip(axes.flat, sources):
        for lab, name, color in ((0, "normal", "tab:blue"), (1, "attack", "tab:red")):
            v = table.score[(table.source == s) & (table.label == lab)]
            if v.size:
                ax.hist(v, bins=bins, alpha=0.55, color=color, label=f"{name} ({v.size:,} rows)")
        ax.axvline(threshold, color="black", ls="--", lw=1, label=f"threshold {threshold:.4g}")
        ax.set(yscale="log", title=str(s), xlabel="score", ylabel="rows (log)")
        ax.legend(fontsize=7)
    for ax in axes.flat[len(sources):]:
        ax.set_visible(False)
    fig.suptitle(f"{prefix}score distribution per source (anomalous when score > threshold)")
    fig.tight_layout()
    fig.savefig(out_dir / "score_hist.png")
    plt.close(fig)

    curves = _curves(table)
    if not curves:
        return ["score_hist.png"]
    colors = plt.get_cmap("tab20" if len(curves) > 10 else "tab10")
    # log FPR axis, where an operator's operating points lie; FPR 0 is drawn at the left edge
    floor = 0.5 / max(int((yy == 0).sum()) for _, yy, _ in curves)
    fig_roc, roc = plt.subplots(figsize=(10, 6), dpi=110)
    fig_pr, pr = plt.subplots(figsize=(10, 6), dpi=110)
    for i, (name, yy, sc) in enumerate(curves):
        c, lw = colors(i), 2.2 if name == "all" else 1.3
        fpr, tpr, _ = roc_curve(yy, sc)
        roc.plot(np.maximum(fpr, floor), tpr, color=c, lw=lw, label=f"{name} (AUC {auc(fpr, tpr):.4f})")
        precision, recall, _ = precision_recall_curve(yy, sc)
        pr.plot(recall, precision, color=c, lw=lw, label=f"{name} (AP {average_precision_score(yy, sc):.4f})")
        p = sc > threshold
        det = p[yy == 1].mean()
        roc.plot(max(p[yy == 0].mean(), floor), det, "o", color=c, mec="black", zorder=3)
        if p.any():
            pr.plot(det, (p & (yy == 1)).sum() / p.sum(), "o", color=c, mec="black", zorder=3)
    for ax, corner in ((roc, "lower right"), (pr, "lower left")):  # where the curves leave room
        ax.plot([], [], "o", color="gray", mec="black", label=f"operating point at threshold {threshold:.4g}")
        ax.legend(fontsize=8, loc=corner)
        ax.grid(alpha=0.3)
    roc.set(xscale="log", xlim=(floor, 1), ylim=(0, 1.02), title=f"{prefix}ROC per source",
            xlabel="false-positive rate (log; 0 drawn at the left edge)", ylabel="detection rate")
    pr.set(xlim=(0, 1.02), ylim=(0, 1.02), title=f"{prefix}precision-recall per source",
           xlabel="recall (detection rate)", ylabel="precision")
    for fig, name in ((fig_roc, "roc.png"), (fig_pr, "pr.png")):
        fig.tight_layout()
        fig.savefig(out_dir / name)
        plt.close(fig)
    return list(FIGURES)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, first column left-aligned and the others (numbers) right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows] + [""]


def markdown(report: dict[str, Any]) -> str:
    out = [f"## {report['title']}", ""] if report["title"] else []
    out += [f"Threshold {report['threshold']:.6g} (anomalous when score > threshold). Rows are counted as "
            "traffic arrives, duplicates included; \"FPR per distinct\" counts each request content once.", ""]
    out += ["### Per source", ""] + _table(
        ["source", "normal rows", "attack rows", "detection", "FPR", "precision", "F1", "FPR per distinct"],
        [[s, f"{m['n_normal']:,}", f"{m['n_attack']:,}", _pct(m["detection_rate"]), _pct(m["fpr"]),
          _pct(m["precision"]), _pct(m["f1"]), _pct(m["distinct"]["fpr"])] for s, m in report["per_source"].items()])
    for key, head in (("per_category", "category"), ("per_part", "part")):
        out += [f"### Detection per attack {head}", ""] + _table(
            [head, "attack rows", "detected", "detection"],
            [[k, f"{v['n_attack']:,}", f"{v['detected']:,}", _pct(v["detection_rate"])]
             for k, v in report[key].items()])
    cc = report["category_confusion"]
    out += ["### Category named for detected attacks (rows: true, columns: named)", ""]
    out += _table(["true \\ named"] + cc["labels"],
                  [[t] + [f"{n:,}" for n in row] for t, row in zip(cc["labels"], cc["matrix"])])
    out += [f"Category accuracy: {_pct(cc['accuracy'])} ({cc['correct']:,} of {cc['n']:,} detected attacks "
            "of known category).", ""]
    out += ["### Request part that decided the score, among rows flagged anomalous", ""] + _table(
        ["part", "false positives", "true positives"],
        [[k, f"{v['fp']:,}", f"{v['tp']:,}"] for k, v in report["decided_by"].items()])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluation report (JSON, Markdown, figures) of a saved EvalTable.")
    ap.add_argument("--table", type=Path, required=True, help="table written by training.evaluate.save_table")
    ap.add_argument("--threshold", type=float, required=True, help="anomalous when score > threshold")
    ap.add_argument("--out", type=Path, required=True, help="directory for report.json, report.md, figures")
    ap.add_argument("--title", default="")
    args = ap.parse_args(argv)
    report = evaluate(load_table(args.table), args.threshold, args.out, args.title)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    md = markdown(report)
    (args.out / "report.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
