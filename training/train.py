"""Trains the part model, the service's default (docs/MODEL.md), and reports it as an operator sees it.

    python -m training.train --out models/default.model            # the shipped data (data/)
    python -m training.train --out m.model --loao                  # + leave-one-application-out runs

Each request is cut into parts (path, each parameter value, parameter names, structured body,
user agent, referer) by the Swift extractor (``anomaly-service featurize``, ``http-parts-v3``). One
linear SVM scores every part; a request's score is its largest part score, so one malicious value
among benign ones is not diluted, and a short request is judged by what it has. A second set of
one-vs-rest linear SVMs names the attack category of the deciding part.

Labels are per request, the model is per part (multiple-instance learning): every part of a normal
request is normal; of an attack request, the parts never seen in normal training traffic are the
candidates, and after a first fit only each attack's highest-scoring candidate stays positive.

Data: the five shipped data sets, generated benign traffic of many kinds of sites and languages
(``benign_synth``), and attack payloads placed in every part of benign requests (``inject``, plus
scanner user agents). Splits are by request content; attack content is never both fitted and
tested. The evaluation counts every row (all 36,000 CSIC test normals), per source and per distinct
request, per attack category and per part, with figures (``evaluate``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from . import benign_synth, inject
from .categories import CATEGORIES, category_of
from .data import featurize, find_featurizer
from .datasets import NAMES, data_file
from .evaluate import EvalTable, evaluate, markdown, save_table
from .metrics import threshold_for_fpr
from .model_format import SVMModel, read_model, write_model
from .parts import PART_KINDS, PartSet, content_key, load_parts, prepare, request_max, row_hashes, unit, write_jsonl
from .scanners import SCANNER_USER_AGENTS

FIT, VAL, TEST = "fit", "val", "test"
CONFIG = Path(__file__).with_name("part_config.json")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ data


def application(row: dict[str, Any]) -> str:
    """The application a row's traffic comes from, for leave-one-application-out: httpparams'
    normal values are CSIC's shop's; injected rows belong to their payload's data set."""
    src = row["source"]
    if src == "httpparams" and row.get("label") == "normal":
        return "csic2010"
    if src.startswith("inject:"):
        return src.split(":", 1)[1]
    return src


def assign(row: dict[str, Any], seed: int) -> str:
    """fit / val / test by request content (so the ~3.7 copies of a CSIC request stay together).
    Test normals of a data set's own test split are all tested, even where their content recurs in
    training (identical benign requests recur in real traffic); attacks only where never fitted."""
    src, label, own = row["source"], row.get("label"), row.get("split")
    u = unit(content_key(row), seed)
    if src in ("csic2010", "httpparams") and own == "train" or src.startswith("benign"):
        return FIT if u < 0.8 else VAL
    if src == "httpparams" or (src == "csic2010" and label == "normal"):
        return TEST
    return FIT if u < 0.4 else VAL if u < 0.6 else TEST


def build_rows(files: dict[str, Path], synth_rows: int, seed: int) -> tuple[list[dict], dict[str, dict]]:
    """Every row to featurize, prepared, and per id its application, part of the split, and the
    position of an injected attack."""
    rows: list[dict] = []
    meta: dict[str, dict] = {}

    def add(row: dict, split: str, part: str = "") -> None:
        rows.append(row)
        meta[row["id"]] = {"app": application(row), "split": split, "part": part}

    originals: dict[str, list[dict]] = {}
    for name, path in files.items():
        with open(path, encoding="utf-8") as f:
            originals[name] = [json.loads(line) for line in f if line.strip()]
        for raw in originals[name]:
            row = prepare(raw)
            add(row, assign(row, seed))
        log(f"{name}: {len(originals[name])} rows")
    # Generated traffic: fitted sites, and sites never fitted (other generator seeds, so other
    # invented sites and vocabularies) for the threshold and the test: the threshold is then set
    # on applications the model has not seen, as the operators' will be.
    synth = [dict(r, split=FIT) for r in benign_synth.generate(synth_rows, seed)]
    synth += [dict(r, id=r["id"] + ":v", split=VAL) for r in benign_synth.generate(synth_rows // 4, seed + 2)]
    synth += [dict(r, id=r["id"] + ":t", split=TEST) for r in benign_synth.generate(synth_rows // 2, seed + 1)]
    for r in synth:
        add(r, r["split"])
    # Payloads placed in every part of benign carriers: fitted payloads in fitted carriers, tested
    # payloads in tested carriers (generated traffic and the data sets' own test normals).
    payloads = [r for n in ("httpparams", "fuzzdb") for r in originals.get(n, []) if r["label"] == "attack"]
    by_split: dict[str, list[dict]] = {FIT: [], VAL: [], TEST: []}
    for p in payloads:
        by_split[meta[p["id"]]["split"]].append(p)
    carriers = {
        FIT: [r for r in synth if meta[r["id"]]["split"] == FIT],
        VAL: [r for r in synth if meta[r["id"]]["split"] == VAL],
        TEST: [r for r in rows if r["label"] == "normal" and meta[r["id"]]["split"] == TEST
               and r["source"] in ("synthetic_benign", "csic2010", "elastic_apache")],
    }
    rng = random.Random(seed)
    scanner_rows = [{"id": f"scanner:{i}", "source": "scanners", "query": "", "label": "attack",
                     "attack_type": "scanner", "kind": "payload", "meta": {}, "ua": ua}
                    for i, ua in enumerate(SCANNER_USER_AGENTS)]
    for split in (FIT, VAL, TEST):
        injected = inject.inject(carriers[split], by_split[split], seed=seed + 7, per_payload=1)
        for r in injected:
            add(r, split, r["meta"]["part"])
        for s in scanner_rows:
            if (split == TEST) == (unit(s["ua"], seed) < 0.5) or split == VAL:
                continue
            for c in rng.sample(carriers[split], 20):
                r = dict(c, id=f"{s['id']}:{c['id']}", source="inject:scanners", label="attack",
                         attack_type="scanner", headers=dict(c.get("headers") or {}, **{"user-agent": s["ua"]}),
                         meta={"part": "user_agent"})
                add(r, split, "user_agent")
    log(f"{len(rows)} rows to featurize")
    return rows, meta


# ------------------------------------------------------------------------------------------ model


class PartModel:
    """The fitted part model: anomaly weights and intercept, and per-category weights."""

    def __init__(self, w: np.ndarray, b: float, cats: list[str], cw: np.ndarray, cb: np.ndarray):
        self.w, self.b, self.cats, self.cw, self.cb = w, b, cats, cw, cb
        self.threshold = 0.0

    def part_scores(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.w, dtype=np.float64) + self.b

    def score(self, ps: PartSet) -> tuple[np.ndarray, np.ndarray]:
        return request_max(self.part_scores(ps.x), ps.part_row, len(ps))

    def categories(self, x: sp.csr_matrix) -> np.ndarray:
        if not self.cats:
            return np.full(x.shape[0], "", dtype=object)
        s = np.asarray(x @ self.cw.T) + self.cb
        return np.array(self.cats, dtype=object)[np.argmax(s, axis=1)]


def fit(ps: PartSet, fit_mask: np.ndarray, val_mask: np.ndarray, c: float, target_fpr: float,
        source_fpr: dict[str, float], source_weight: dict[str, float] | None = None) -> PartModel:
    """Multiple-instance fit on the fit requests, threshold from the val requests' normals.

    A ``names`` part is never a candidate: an attack that adds, drops or renames a parameter
    changes it, but the attack itself is in a value. As candidates, names taught the model that
    parameter names are suspect as such (``username&password`` flagged on an unseen login form).
    Names still learn from every normal request, and share the values' n-gram weights, so a name
    that is itself an attack still scores.
    The threshold keeps every source's validation normals under ``target_fpr`` (or the source's
    own target in ``source_fpr``). ``source_weight`` multiplies the weight of a source's normal
    parts (an operator's own traffic outweighs the attack sets' look-alikes of its pages)."""
    fit_parts = fit_mask[ps.part_row]
    normal_part = fit_parts & (ps.label[ps.part_row] == 0)
    attack_part = fit_parts & (ps.label[ps.part_row] == 1) & (ps.part_kind != PART_KINDS.index("names"))
    hashes = row_hashes(ps.x)
    benign_hashes = set(hashes[normal_part])
    # Negatives: each distinct normal part once, weighted by the square root of how often it
    # occurs: common benign requests are what traffic is made of (false positives count per row),
    # and a popular page must outweigh the hundreds of attack variants of its path (CSIC's
    # `estilos.css.old`, `estilos.css~`, ...). Candidates: attack parts never seen as normal.
    uniq, first, inverse, counts = np.unique(hashes[normal_part], return_index=True, return_inverse=True,
                                             return_counts=True)
    negatives = np.flatnonzero(normal_part)[first]
    negative_weight = np.sqrt(counts)
    if source_weight:  # a distinct part weighs as its most weighted source's
        factor = np.array([source_weight.get(s, 1.0) for s in ps.source[ps.part_row[normal_part]]])
        most = np.ones(uniq.size)
        np.maximum.at(most, inverse.ravel(), factor)
        negative_weight *= most
    candidates = np.flatnonzero(attack_part & np.array([h not in benign_hashes for h in hashes]))
    log(f"fit: {negatives.size} distinct normal parts, {candidates.size} attack candidates")

    def train(pos: np.ndarray) -> LinearSVC:
        idx = np.concatenate([negatives, pos])
        y = np.concatenate([np.zeros(negatives.size), np.ones(pos.size)])
        # Both classes weigh the same in total.
        weight = np.concatenate([negative_weight / negative_weight.sum(), np.full(pos.size, 1.0 / pos.size)])
        weight *= idx.size / 2
        svm = LinearSVC(C=c, max_iter=3000, tol=1e-4, random_state=0)
        t = time.time()
        svm.fit(ps.x[idx], y, sample_weight=weight)
        log(f"LinearSVC C={c}: {idx.size} parts, {time.time() - t:.0f} s")
        return svm

    svm = train(candidates)
    # Keep, per attack request, only its highest-scoring candidate part.
    scores = np.asarray(svm.decision_function(ps.x[candidates]))
    _, best = request_max(scores, ps.part_row[candidates], len(ps))
    positives = candidates[best[best >= 0]]
    svm = train(positives)
    w = svm.coef_.ravel().astype(np.float64)
    b = float(svm.intercept_[0])
    # Categories of the positive parts whose attack type maps to one.
    cat = np.array([category_of(t) for t in ps.attack_type[ps.part_row[positives]]], dtype=object)
    known = cat != ""
    names = [k for k in CATEGORIES if (cat[known] == k).any()]
    if len(names) >= 2:
        cs = LinearSVC(C=c, max_iter=3000, random_state=0).fit(ps.x[positives[known]], cat[known])
        order = [list(cs.classes_).index(n) for n in names]
        cw = cs.coef_[order] if len(cs.classes_) > 2 else np.vstack([-cs.coef_[0], cs.coef_[0]])
        cb = cs.intercept_[order] if len(cs.classes_) > 2 else np.array([-cs.intercept_[0], cs.intercept_[0]])
    else:
        names, cw, cb = [], np.zeros((0, w.size)), np.zeros(0)
    model = PartModel(w, b, names, cw, cb)
    val = ps.requests(val_mask)
    s, _ = model.score(val)
    model.threshold, per = calibrate(s, val.label, val.source, target_fpr, source_fpr)
    log(f"threshold {model.threshold:.4f} (per source: {json.dumps({k: round(v, 4) for k, v in per.items()})})")
    return model


def calibrate(scores: np.ndarray, label: np.ndarray, source: np.ndarray, target_fpr: float,
              source_fpr: dict[str, float], min_normals: int = 50) -> tuple[float, dict[str, float]]:
    """The largest of the per-source thresholds that flag at most each source's target share of its
    validation normals (sources with fewer than ``min_normals`` normals are skipped, except an
    operator's own ``benign:`` traffic)."""
    per: dict[str, float] = {}
    for src in np.unique(source[label == 0]):
        m = (source == src) & (label == 0)
        if m.sum() >= min_normals or str(src).startswith("benign"):
            per[str(src)] = threshold_for_fpr(scores[m], source_fpr.get(str(src), target_fpr))
    return max(per.values()), per


def eval_table(model: PartModel, ps: PartSet, meta: dict[str, dict]) -> EvalTable:
    scores, argmax = model.score(ps)
    decided = np.where(argmax >= 0, argmax, 0)
    kinds = np.array(PART_KINDS, dtype=object)[ps.part_kind[decided]]
    cats = model.categories(ps.x[decided])
    return EvalTable(
        source=np.array([s if s != "httpparams" or p in ("", "train", "test") else f"{s}[{p}]"
                         for s, p in zip(ps.source, ps.split)], dtype=object),
        label=ps.label, true_category=np.array([category_of(t) for t in ps.attack_type], dtype=object),
        true_part=np.array([meta[i]["part"] for i in ps.ids], dtype=object), group=ps.group, score=scores,
        pred_category=cats, pred_part=kinds)


def to_file(model: PartModel, fc: dict, name: str, training: dict) -> SVMModel:
    return SVMModel(kernel="linear", intercept=model.b, threshold=model.threshold, feature_config=fc,
                    weights=model.w, categories=model.cats, category_intercepts=model.cb,
                    category_weights=model.cw, name=name,
                    version=dt.datetime.now(dt.timezone.utc).strftime("%Y.%m.%d-%H%M"),
                    trained_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), training=training)


def run(ps: PartSet, meta: dict[str, dict], keep: Callable[[dict], bool], test: Callable[[dict], bool],
        args: argparse.Namespace, out_dir: Path, title: str, also_at: float | None = None) -> tuple[PartModel, dict]:
    """Fits on the kept fit/val rows and evaluates the ``test`` rows; writes the report, and with
    ``also_at`` a second one of the same scores at that threshold (``at-<threshold>/``)."""
    m = [meta[i] for i in ps.ids]
    fit_mask = np.array([x["split"] == FIT and keep(x) for x in m])
    val_mask = np.array([x["split"] == VAL and keep(x) for x in m])
    test_mask = np.array([test(x) for x in m])
    model = fit(ps, fit_mask, val_mask, args.C, args.target_fpr, source_targets(args))
    table = eval_table(model, ps.requests(test_mask), meta)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_table(table, out_dir / "table.npz")
    report = evaluate(table, model.threshold, out_dir, title)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    (out_dir / "report.md").write_text(markdown(report))
    if also_at is not None:
        at = evaluate(table, also_at, None, f"{title}, at the default model's threshold {also_at:.4f}")
        (out_dir / "at-default-threshold.json").write_text(json.dumps(at, indent=1))
        (out_dir / "at-default-threshold.md").write_text(markdown(at))
    log(f"{title}: wrote {out_dir}")
    return model, report


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options training and adaptation share."""
    ap.add_argument("--data", nargs="*", type=Path, help="data files (default: the shipped data/)")
    ap.add_argument("--synthetic-rows", type=int, default=20000)
    ap.add_argument("--C", type=float, default=0.5)
    ap.add_argument("--target-fpr", type=float, default=0.003, help="per source, on validation normals")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--source-fpr", nargs="*", default=["elastic_apache=0.02"], metavar="SOURCE=FPR",
                    help="a source's own target on its validation normals (elastic_apache's normals are "
                         "unverified, 'no probe signature matched', and hold unlabelled probes)")
    ap.add_argument("--featurizer")
    ap.add_argument("--config", type=Path, default=CONFIG)


def source_targets(args: argparse.Namespace) -> dict[str, float]:
    """``--source-fpr SOURCE=FPR ...`` as a dictionary; a bad item fails with its text."""
    out = {}
    for item in args.source_fpr:
        name, sep, value = item.partition("=")
        try:
            out[name] = float(value)
        except ValueError:
            sep = ""
        if not sep or not 0 <= out[name] < 1:
            raise SystemExit(f"--source-fpr {item!r} is not SOURCE=FPR with 0 <= FPR < 1")
    return out


def training_set(args: argparse.Namespace) -> tuple[PartSet, dict[str, dict], list[str]]:
    """Every row of the data sets, generated traffic and injected attacks, featurized by Swift."""
    files = {p.stem: p for p in args.data} if args.data else {n: data_file(n) for n in NAMES}
    rows, meta = build_rows(files, args.synthetic_rows, args.seed)
    work = Path(tempfile.mkdtemp(prefix="parts-"))
    write_jsonl(rows, work / "all.jsonl")
    del rows
    ps = load_parts(featurize(work / "all.jsonl", find_featurizer(args.featurizer), None, args.config))
    log(f"{len(ps)} requests, {ps.x.shape[0]} parts, {ps.x.nnz} non-zeros")
    return ps, meta, sorted(files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--report-dir", type=Path, help="default: OUT without suffix + '.report'")
    ap.add_argument("--loao", action="store_true", help="also train leave-one-application-out models")
    add_arguments(ap)
    args = ap.parse_args(argv)
    ps, meta, files = training_set(args)
    report_dir = args.report_dir or args.out.with_suffix(".report")

    model, report = run(ps, meta, lambda x: True, lambda x: x["split"] == TEST, args, report_dir / "default",
                        "default model, held-out rows")
    training = {"data": files, "synthetic_rows": args.synthetic_rows, "C": args.C,
                "target_fpr": args.target_fpr, "seed": args.seed,
                "test": {k: {m: v[m] for m in ("n_normal", "n_attack", "detection_rate", "fpr", "f1")}
                         for k, v in report["per_source"].items()}}
    size = write_model(to_file(model, ps.feature_config, args.out.stem, training), args.out)
    check = read_model(args.out)
    assert np.allclose(check.weights, model.w.astype(np.float32)), "model file does not round-trip"
    log(f"wrote {args.out} ({size} bytes)")
    summary = {"default": report["per_source"]}
    if args.loao:
        # Applications with normal traffic. Attack-only sets have no false positives to measure,
        # and the generated sites are measured zero-shot already (their test rows come from other
        # seeds: other sites and vocabularies), while they also carry every injected attack.
        for app in sorted({x["app"] for x in meta.values()} - {"scanners", "fuzzdb", "fwaf_bad", "synthetic_benign"}):
            # Its own threshold (calibrated without the application) and, for comparison, the
            # shipped model's: how much of the gap is the threshold and how much the scores.
            _, r = run(ps, meta, lambda x, a=app: x["app"] != a, lambda x, a=app: x["app"] == a, args,
                       report_dir / f"loao-{app}", f"without {app}: all of its rows, zero-shot", model.threshold)
            summary[f"without {app}"] = r["per_source"]
    (report_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
