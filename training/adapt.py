"""Adapts the default model to an operator's own traffic, and reports what it changed.

    python -m training.adapt --log /var/log/nginx/access.log --out models/mine.model

Input: the operator's access log (Combined Log Format) or JSONL requests, mostly benign and
unlabelled, oldest first. The first half (by line) is the operator's past traffic: 80% of its
distinct requests are trained on as normal (each weighing ``--operator-weight`` times a training
request's: on their own site, their pages must outweigh the attack sets' look-alikes of them), 20%
set the threshold so that at most ``--operator-fpr`` of them would be flagged. The second half is held back as the operator's future
traffic and only measured. The default model's training data is trained on again, so the attack
sets are still learned, and detection on their held-out rows is reported before and after.

Lines the base model scores far above its threshold (``--exclude-above``), and lines a JSONL log
labels as attacks, are left out of the normal training traffic: a log holds some attacks, and
learning them as normal would blind the model to them. They are counted in the report; labelled
attacks in the held-back half are measured as attacks.

Output: the model file and ``<out>.report/`` (``report.md``, ``report.json``, figures). A running
``serve`` picks the new file up by hot reload when it replaces the one it serves (or on SIGHUP).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import train
from .data import featurize, find_featurizer
from .evaluate import EvalTable, evaluate, markdown, save_table
from .model_format import SVMModel, read_model, write_model
from .parts import PartSet, load_parts, request_max, unit

OPERATOR = "benign:operator"


def request_scores(model: SVMModel, ps: PartSet) -> np.ndarray:
    """A part model file's score of every request of ``ps``."""
    scores, _ = request_max(np.asarray(ps.x @ model.weights, dtype=np.float64) + model.intercept, ps.part_row,
                            len(ps))
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.adapt", description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", type=Path, required=True, help="the operator's access log or JSONL, oldest first")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, default=Path(__file__).resolve().parent.parent / "models/default.model")
    ap.add_argument("--operator-fpr", type=float, default=0.0005,
                    help="at most this share of the operator's validation traffic flagged")
    ap.add_argument("--operator-weight", type=float, default=8.0,
                    help="weight of the operator's normal parts against the other training traffic's")
    ap.add_argument("--exclude-above", type=float, default=1.0,
                    help="operator lines the base model scores above this are not trained on as normal")
    train.add_arguments(ap)
    args = ap.parse_args(argv)

    binary = find_featurizer(args.featurizer)
    op = load_parts(featurize(args.log, binary, None, args.config))
    n = len(op)
    if n < 100:
        raise SystemExit(f"adapt: {args.log} has {n} parseable requests; at least 100 are needed")
    op.source = np.full(n, OPERATOR, dtype=object)
    # Unlabelled lines count as normal; lines the log labels as attacks (JSONL `label`) are never
    # trained on as normal and are measured as attacks.
    op.label = (op.label == 1).astype(np.int8)
    op.ids = np.array([f"operator:{i}" for i in range(n)], dtype=object)
    base = read_model(args.base)
    base_scores = request_scores(base, op)
    past = np.arange(n) < n // 2
    excluded = past & ((base_scores > args.exclude_above) | (op.label == 1))
    meta_op = {}
    for i in range(n):
        split = "test" if not past[i] else ("fit" if unit(op.group[i], args.seed) < 0.8 else "val")
        if excluded[i]:
            split = "excluded"
        meta_op[op.ids[i]] = {"app": "operator", "split": split, "part": ""}
    train.log(f"operator: {n} requests, {int(past.sum())} past ({int(excluded.sum())} excluded as likely "
              f"attacks), {n - int(past.sum())} held back")

    ps, meta, files = train.training_set(args)
    ps = PartSet.concat([ps, op])
    meta.update(meta_op)
    m = [meta[i] for i in ps.ids]
    fit_mask = np.array([x["split"] == train.FIT for x in m])
    val_mask = np.array([x["split"] == train.VAL for x in m])
    # The operator's own bound on false alarms: their validation traffic under --operator-fpr.
    targets = dict(train.source_targets(args), **{OPERATOR: args.operator_fpr})
    model = train.fit(ps, fit_mask, val_mask, args.C, args.target_fpr, targets, {OPERATOR: args.operator_weight})

    report_dir = args.out.with_suffix(".report")
    test_mask = np.array([x["split"] == "test" for x in m])
    tested = ps.requests(test_mask)
    after = train.eval_table(model, tested, meta)
    # The base model on the same rows, as the "before" column.
    before_scores = request_scores(base, tested)
    before = EvalTable(after.source, after.label, after.true_category, after.true_part, after.group,
                       before_scores, after.pred_category, after.pred_part)
    report_dir.mkdir(parents=True, exist_ok=True)
    save_table(after, report_dir / "table.npz")
    r_after = evaluate(after, model.threshold, report_dir, "adapted model, held-out rows")
    r_before = evaluate(before, base.threshold, None, "base model, same rows")
    comparison = {
        src: {"before": {k: r_before["per_source"][src][k] for k in ("fpr", "detection_rate")},
              "after": {k: r_after["per_source"][src][k] for k in ("fpr", "detection_rate")}}
        for src in r_after["per_source"]}
    summary = {"operator_rows": n, "past": int(past.sum()), "excluded_as_likely_attacks": int(excluded.sum()),
               "threshold": {"base": base.threshold, "adapted": model.threshold}, "per_source": comparison}
    (report_dir / "report.json").write_text(json.dumps({"summary": summary, "after": r_after}, indent=1))
    lines = ["## Before and after adaptation (held-back rows)", "",
             "| source | FPR before | FPR after | detection before | detection after |", "|---|---:|---:|---:|---:|"]
    pct = lambda v: "-" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    for src, c in comparison.items():
        lines.append(f"| {src} | {pct(c['before']['fpr'])} | {pct(c['after']['fpr'])} | "
                     f"{pct(c['before']['detection_rate'])} | {pct(c['after']['detection_rate'])} |")
    lines += ["", f"{int(excluded.sum())} of {int(past.sum())} past operator lines were left out as likely "
              f"attacks (base score above {args.exclude_above}).", "", markdown(r_after)]
    (report_dir / "report.md").write_text("\n".join(lines) + "\n")
    training = {"data": files, "adapted_from": str(args.base), "operator_log": str(args.log),
                "operator_rows": n, "C": args.C, "seed": args.seed}
    size = write_model(train.to_file(model, ps.feature_config, args.out.stem, training), args.out)
    train.log(f"wrote {args.out} ({size} bytes) and {report_dir}")
    print("\n".join(lines[:len(comparison) + 4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
