"""Trains the request-anomaly SVM and writes a ``.model`` file (docs/MODEL_FORMAT.md, docs/MODEL.md).

    python -m training.train_whole --data data/.cache/*.jsonl --out models/default.model
    python -m training.train_whole --data data/.cache/*.jsonl --benign my-normal-traffic.jsonl --out models/mine.model

Steps: featurize every file with the Swift extractor (``anomaly-service featurize``); split rows into
fit / val / test by request content (training/split.py); fit linear SVMs, RBF SVCs (on a subsample) and
Nystroem-approximated RBF + linear SVMs; on val, set each candidate's threshold so that every
source's normals stay under the target false-positive rate, and pick the candidate with the best
mean per-source F1 (over sources with at least --min-val-attacks validation attacks); report metrics per source on the untouched test part (and on ``--eval`` files);
write the model, check it reproduces scikit-learn's decision values, and write a JSON report.

``--benign FILE`` adds an operator's own normal traffic: 80% of its content groups join the training
normals (weighted, see ``--benign-weight``), 20% join validation, and the threshold must keep the
operator's validation traffic under the target false-positive rate too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC

from . import split as splitmod
from .convert import from_estimator
from .data import FeatureSet, featurize, file_digest, find_featurizer, load_featurized
from .metrics import format_table, per_source_metrics, threshold_per_source
from .model_format import SVMModel, read_model, write_model

RTOL, ATOL = 1e-4, 1e-5


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Candidate:
    name: str
    params: dict[str, Any]
    estimator: Any = None
    fit_seconds: float = 0.0
    n_sv: int = 0
    threshold: float = 0.0
    per_source_thresholds: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, Any] = field(default_factory=dict)
    score: float = float("-inf")
    params_f1_at_own_threshold: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name, "params": self.params, "fit_seconds": round(self.fit_seconds, 1),
            "n_sv": self.n_sv, "threshold": self.threshold, "val_score": self.score,
            "val_f1": {s: m["f1"] for s, m in self.val_metrics.items()},
            "val_fpr": {s: m["fpr"] for s, m in self.val_metrics.items()},
            "val_f1_at_own_source_threshold": self.params_f1_at_own_threshold,
        }


# --------------------------------------------------------------------------------------------- scoring


def rbf_decision(x: sp.csr_matrix | np.ndarray, sv: np.ndarray, dual: np.ndarray, gamma: float, b: float,
                 chunk: int = 4096) -> np.ndarray:
    """``sum_i dual_i exp(-gamma ||x - sv_i||^2) + b`` in float64, chunked (same maths as the service)."""
    sv = np.asarray(sv.toarray() if sp.issparse(sv) else sv, dtype=np.float64)
    svn = np.einsum("ij,ij->i", sv, sv)
    out = np.empty(x.shape[0], dtype=np.float64)
    for i in range(0, x.shape[0], chunk):
        xs = x[i : i + chunk]
        if sp.issparse(xs):
            xs = xs.astype(np.float64)
            xn = np.asarray(xs.multiply(xs).sum(axis=1)).ravel()
            dots = np.asarray(xs @ sv.T)
        else:
            xs = np.asarray(xs, dtype=np.float64)
            xn = np.einsum("ij,ij->i", xs, xs)
            dots = xs @ sv.T
        d2 = np.maximum(xn[:, None] + svn[None, :] - 2.0 * dots, 0.0)
        out[i : i + chunk] = np.exp(-gamma * d2) @ dual + b
    return out


def decision(est: Any, x: sp.csr_matrix) -> np.ndarray:
    """Decision values of a candidate; RBF SVCs go through :func:`rbf_decision` (much faster than
    libsvm's sparse path on many rows; equal to ``decision_function`` up to rounding)."""
    if isinstance(est, SVC) and est.kernel == "rbf":
        dual = est.dual_coef_
        dual = np.asarray(dual.toarray() if sp.issparse(dual) else dual)[0]
        return rbf_decision(x, est.support_vectors_, dual, float(est._gamma), float(est.intercept_[0]))
    return np.asarray(est.decision_function(x), dtype=np.float64)


def n_support(est: Any) -> int:
    if isinstance(est, SVC):
        return int(est.support_vectors_.shape[0]) if est.kernel == "rbf" else 0
    if isinstance(est, Pipeline):
        return int(est.steps[0][1].components_.shape[0])
    return 0


# --------------------------------------------------------------------------------------------- data


def load_sources(files: list[str], dirs: list[str], featurizer_path: str | None, cache: Path | None,
                 benign: bool = False, config: str | None = None) -> FeatureSet | None:
    parts = [(Path(d).name, load_featurized(d)) for d in dirs]
    if files:
        binary = find_featurizer(featurizer_path)
        for f in files:
            log(f"featurize {f}")
            parts.append((Path(f).stem, load_featurized(featurize(f, binary, cache, config))))
    if benign:
        parts = [(n, as_benign(fs, n)) for n, fs in parts]
    return FeatureSet.concat([fs for _, fs in parts]) if parts else None


def as_benign(fs: FeatureSet, name: str) -> FeatureSet:
    """Operator traffic: unlabelled and normal rows become normal training data of source
    ``benign:<file name>``; rows explicitly labelled attack are dropped (reported)."""
    keep = fs.y != 1
    dropped = int((~keep).sum())
    if dropped:
        log(f"benign {name}: dropping {dropped} rows labelled attack")
    out = fs.subset(np.flatnonzero(keep))
    out.y = np.zeros(len(out), dtype=np.int8)
    out.source = np.full(len(out), f"{splitmod.BENIGN_SOURCE_PREFIX}:{name}", dtype=object)
    return out


def subsample(index: np.ndarray, source: np.ndarray, y: np.ndarray, n_max: int, rng: np.random.Generator,
              weight: np.ndarray | None = None) -> np.ndarray:
    """At most ``n_max`` rows of ``index``: each (source, label) stratum gets a share proportional to
    its size times its mean sample ``weight`` (capped at its size, the rest redistributed), and at
    least min(stratum size, 2% of n_max) rows; benign rows are always all kept."""
    if len(index) <= n_max:
        return index
    w = np.ones(len(index)) if weight is None else weight
    keys = np.array([f"{s}|{l}" for s, l in zip(source[index], y[index])])
    strata = {k: np.flatnonzero(keys == k) for k in np.unique(keys)}
    keep_all = [k for k in strata if k.startswith(splitmod.BENIGN_SOURCE_PREFIX)]
    budget = n_max - sum(len(strata[k]) for k in keep_all)
    rest = {k: v for k, v in strata.items() if k not in keep_all}
    mass = {k: len(v) * float(w[v].mean()) for k, v in rest.items()}
    alloc = {k: min(len(v), int(0.02 * n_max)) for k, v in rest.items()}
    for _ in range(10):  # water-filling: give the remaining budget by mass to strata not yet full
        left = budget - sum(alloc.values())
        open_ = [k for k in rest if alloc[k] < len(rest[k])]
        if left <= 0 or not open_:
            break
        total = sum(mass[k] for k in open_)
        for k in open_:
            alloc[k] = min(len(rest[k]), alloc[k] + int(left * mass[k] / total))
    chosen = [strata[k] for k in keep_all]
    chosen += [rng.choice(v, size=alloc[k], replace=False) for k, v in rest.items()]
    return index[np.sort(np.concatenate(chosen))]


def report_labels(source: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Source names for reports; a data set's secondary test splits (httpparams ``test_lexical``:
    natural-language normals) are reported on their own, as ``source[split]``."""
    return np.array([f"{s}[{p}]" if p not in ("", "train", "test") else s for s, p in zip(source, split)],
                    dtype=object)


def median_sq_distance(x: sp.csr_matrix, rng: np.random.Generator, n: int = 2000) -> float:
    i = rng.choice(x.shape[0], size=min(n, x.shape[0]), replace=False)
    a = x[i].toarray().astype(np.float64)
    an = (a * a).sum(1)
    d2 = np.maximum(an[:, None] + an[None, :] - 2 * a @ a.T, 0)
    return float(np.median(d2[np.triu_indices(len(i), 1)]))


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m training.train_whole", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", nargs="*", default=[], help="labelled JSONL files (the common schema)")
    ap.add_argument("--benign", nargs="*", default=[], help="an operator's normal traffic (JSONL)")
    ap.add_argument("--eval", nargs="*", default=[], help="files only evaluated, never trained on")
    ap.add_argument("--data-features", nargs="*", default=[], help="featurize output dirs instead of --data")
    ap.add_argument("--benign-features", nargs="*", default=[])
    ap.add_argument("--eval-features", nargs="*", default=[])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--report", type=Path, help="JSON report (default: OUT with .report.json)")
    ap.add_argument("--featurizer", help="anomaly-service binary (default: .build/release, .build/debug, or build)")
    ap.add_argument("--feature-config", default=str(Path(__file__).with_name("feature_config.json")),
                    help="feature_config.json passed to featurize --feature-config ('builtin': the extractor's default)")
    ap.add_argument("--cache-dir", type=Path, help="featurize cache (default: $TMPDIR/asvm-features)")
    ap.add_argument("--name", help="model name (default: OUT's stem)")
    ap.add_argument("--target-fpr", type=float, default=0.005)
    ap.add_argument("--fpr-safety", type=float, default=0.8,
                    help="calibrate on val at target-fpr x this, as margin for unseen data")
    ap.add_argument("--models", default="linear,rbf,nystroem", help="candidate families")
    ap.add_argument("--linear-C", default="0.1,1,10")
    ap.add_argument("--rbf-C", default="10")
    ap.add_argument("--gamma-scale", default="0.5,1,2", help="gamma = scale / median squared distance")
    ap.add_argument("--rbf-max-train", type=int, default=10000, help="subsample size for RBF SVC fitting")
    ap.add_argument("--nystroem-components", default="1000")
    ap.add_argument("--nystroem-C", default="1,10")
    ap.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    ap.add_argument("--source-weight", nargs="*", default=[], metavar="SOURCE=W",
                    help="sample weight of a source's fit rows, e.g. csic2010=3")
    ap.add_argument("--benign-weight", type=float, default=0.0,
                    help="sample weight of benign rows (0: auto, so they weigh at least 25%% of the normals)")
    ap.add_argument("--exclude-source", nargs="*", default=[],
                    help="drop these sources from fit and val (unseen-application experiments)")
    ap.add_argument("--no-calibrate", nargs="*", default=[],
                    help="sources whose val normals do not set the threshold (still fitted and reported)")
    ap.add_argument("--min-val-attacks", type=int, default=30,
                    help="a source counts toward the selection score only with this many validation attacks")
    ap.add_argument("--max-sv", type=int, default=5000, help="skip candidates with more support vectors")
    ap.add_argument("--max-raw-mb", type=float, default=64.0,
                    help="skip kernel candidates whose float32 support vectors exceed this (before LZ4)")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def floats(s: str) -> list[float]:
    return [float(v) for v in s.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.time()
    rng = np.random.default_rng(args.seed)
    cfg = None if args.feature_config.lower() == "builtin" else args.feature_config
    data = load_sources(args.data, args.data_features, args.featurizer, args.cache_dir, config=cfg)
    if data is None:
        raise SystemExit("train: give --data FILE... or --data-features DIR...")
    benign = load_sources(args.benign, args.benign_features, args.featurizer, args.cache_dir, benign=True, config=cfg)
    evals = load_sources(args.eval, args.eval_features, args.featurizer, args.cache_dir, config=cfg)
    if benign is not None:
        data = FeatureSet.concat([data, benign])
    log(f"{len(data)} rows, dim {data.dim}, {data.x.nnz / max(1, len(data)):.0f} non-zeros/row, "
        f"{data.n_errors} featurize errors")

    part = splitmod.assign_parts(data.source, data.split, data.group, seed=args.seed)
    excluded = np.isin(data.source, args.exclude_source)
    labelled = data.y >= 0
    fit_rows = np.flatnonzero((part == splitmod.FIT) & labelled & ~excluded)
    fit_rows = splitmod.first_of_each_group(data.group, fit_rows)  # duplicates add nothing to fit
    val_rows = np.flatnonzero((part == splitmod.VAL) & labelled & ~excluded)
    test_rows = np.flatnonzero((part == splitmod.TEST) & labelled)
    counts = {
        str(s): {
            name: {"normal": int(((data.source == s) & (part == p) & (data.y == 0)).sum()),
                   "attack": int(((data.source == s) & (part == p) & (data.y == 1)).sum())}
            for p, name in enumerate(splitmod.PART_NAMES)
        }
        for s in np.unique(data.source)
    }
    counts["_fit_distinct_rows"] = int(len(fit_rows))
    log(f"split: fit {len(fit_rows)} distinct rows, val {len(val_rows)}, test {len(test_rows)}")

    x_fit, y_fit = data.x[fit_rows], data.y[fit_rows].astype(np.int64)
    w_fit = np.ones(len(fit_rows))
    for sw in args.source_weight:
        src, _, w = sw.partition("=")
        w_fit[data.source[fit_rows] == src] = float(w)
    is_benign = np.array([str(s).startswith(splitmod.BENIGN_SOURCE_PREFIX) for s in data.source[fit_rows]])
    if is_benign.any():
        bw = args.benign_weight or max(1.0, 0.25 * ((y_fit == 0) & ~is_benign).sum() / is_benign.sum())
        w_fit[is_benign] = bw
        log(f"benign: {is_benign.sum()} distinct fit rows, weight {bw:.2f}")
    x_val, y_val, s_val = data.x[val_rows], data.y[val_rows], data.source[val_rows]
    cw = None if args.class_weight == "none" else "balanced"
    calib_fpr = args.target_fpr * args.fpr_safety

    med = median_sq_distance(x_fit, rng)
    gammas = [g / med for g in floats(args.gamma_scale)]
    log(f"median squared distance {med:.4f}; gammas {[round(g, 4) for g in gammas]}")

    families = [f.strip() for f in args.models.split(",") if f.strip()]
    cands: list[Candidate] = []
    if "linear" in families:
        cands += [Candidate("linear", {"C": c}) for c in floats(args.linear_C)]
    if "rbf" in families:
        cands += [Candidate("rbf", {"C": c, "gamma": g}) for g in gammas for c in floats(args.rbf_C)]
    if "nystroem" in families:
        cands += [Candidate("nystroem", {"C": c, "gamma": g, "n_components": int(k)})
                  for k in floats(args.nystroem_components) for g in gammas for c in floats(args.nystroem_C)]

    too_big = []
    for c in cands:  # kernel models store n_sv x dim float32 support vectors
        n = c.params.get("n_components", 0)
        if n and n * data.dim * 4 > args.max_raw_mb * 1e6:
            too_big.append(c)
    for c in too_big:
        log(f"{c.name} {c.params}: {c.params['n_components']} x {data.dim} float32 > --max-raw-mb; skipped")
        cands.remove(c)
    rbf_idx = subsample(np.arange(len(fit_rows)), data.source[fit_rows], y_fit, args.rbf_max_train, rng, w_fit)
    for c in cands:
        t0 = time.time()
        if c.name == "linear":
            est = LinearSVC(C=c.params["C"], class_weight=cw, max_iter=20000, random_state=args.seed)
            est.fit(x_fit, y_fit, sample_weight=w_fit)
        elif c.name == "rbf":
            c.params["n_train"] = int(len(rbf_idx))
            est = SVC(kernel="rbf", C=c.params["C"], gamma=c.params["gamma"], class_weight=cw, cache_size=2000)
            est.fit(x_fit[rbf_idx], y_fit[rbf_idx], sample_weight=w_fit[rbf_idx])
        else:
            est = Pipeline([
                ("nystroem", Nystroem(kernel="rbf", gamma=c.params["gamma"], n_components=c.params["n_components"],
                                      random_state=args.seed)),
                ("svm", LinearSVC(C=c.params["C"], class_weight=cw, max_iter=20000, random_state=args.seed)),
            ])
            est.fit(x_fit, y_fit, svm__sample_weight=w_fit)
        c.fit_seconds = time.time() - t0
        c.estimator, c.n_sv = est, n_support(est)
        if c.n_sv > args.max_sv or c.n_sv * data.dim * 4 > args.max_raw_mb * 1e6:
            log(f"{c.name} {c.params}: {c.n_sv} support vectors (> --max-sv or --max-raw-mb); skipped")
            continue
        sv_scores = decision(est, x_val)
        cal = ~np.isin(s_val, args.no_calibrate)
        c.threshold, c.per_source_thresholds = threshold_per_source(sv_scores[cal], y_val[cal], s_val[cal], calib_fpr)
        c.val_metrics = per_source_metrics(sv_scores, y_val, s_val, c.threshold)
        own = {}
        for src in np.unique(s_val):
            m = s_val == src
            if (y_val[m] == 0).sum() >= 50 and (y_val[m] == 1).sum() > 0:
                t_own, _ = threshold_per_source(sv_scores[m], y_val[m], s_val[m], calib_fpr)
                own[str(src)] = per_source_metrics(sv_scores[m], y_val[m], s_val[m], t_own)[str(src)]["f1"]
        c.params_f1_at_own_threshold = own
        # Sources with a handful of validation attacks (elastic_apache: 4) would make the mean noise.
        f1s = [m["f1"] for s, m in c.val_metrics.items()
               if s != "all" and m["n_attack"] >= args.min_val_attacks and m["f1"] is not None]
        if not f1s:  # tiny data: every source with attacks
            f1s = [m["f1"] for s, m in c.val_metrics.items() if s != "all" and m["n_attack"] and m["f1"] is not None]
        c.score = float(np.mean(f1s)) if f1s else float("-inf")
        csic = c.val_metrics.get("csic2010", {})
        log(f"{c.name} {c.params}: fit {c.fit_seconds:.0f}s, n_sv {c.n_sv}, val mean F1 {c.score:.4f}, "
            f"csic F1 {csic.get('f1')}, csic FPR {csic.get('fpr')}; F1 at each source's own threshold "
            f"{ {k: round(v, 4) for k, v in own.items()} }")

    ok = [c for c in cands if c.score > float("-inf")]
    best = max(ok, key=lambda c: (round(c.score, 4), -c.n_sv))
    log(f"selected {best.name} {best.params}")

    test_scores = decision(best.estimator, data.x[test_rows])
    test_label = report_labels(data.source[test_rows], data.split[test_rows])
    test_metrics = per_source_metrics(test_scores, data.y[test_rows], test_label, best.threshold)
    # The same rows counted once per distinct content (CSIC repeats popular requests many times).
    once = splitmod.first_of_each_group(data.group, test_rows)
    pos = np.searchsorted(test_rows, once)
    test_metrics_distinct = per_source_metrics(test_scores[pos], data.y[once], test_label[pos], best.threshold)
    eval_metrics: dict[str, Any] = {}
    if evals is not None:
        lab = np.flatnonzero(evals.y >= 0)
        seen = np.isin(evals.group[lab], data.group[fit_rows])
        ev_scores = decision(best.estimator, evals.x[lab])
        ev_src = np.array([f"eval:{s}" for s in evals.source[lab]], dtype=object)
        eval_metrics = per_source_metrics(ev_scores, evals.y[lab], ev_src, best.threshold)
        eval_metrics["_rows_whose_content_was_in_fit"] = int(seen.sum())

    name = args.name or args.out.stem
    now = dt.datetime.now(dt.timezone.utc)
    training_info = {
        "command": "python -m training.train_whole " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "data": {f: file_digest(f)[:16] for f in args.data + args.benign},
        "benign_files": args.benign,
        "excluded_sources": args.exclude_source,
        "source_weights": args.source_weight,
        "not_calibrated_on": args.no_calibrate,
        "split": "content-grouped (training/split.py); counts per source and part",
        "counts": counts,
        "target_fpr": args.target_fpr,
        "calibration_fpr": calib_fpr,
        "per_source_thresholds": best.per_source_thresholds,
        "selected": best.summary(),
        "candidates": [c.summary() for c in cands],
        "test_metrics": test_metrics,
        "test_metrics_distinct_content": test_metrics_distinct,
        "eval_metrics": eval_metrics,
        "median_sq_distance": med,
    }
    model = from_estimator(
        best.estimator, feature_config=data.feature_config, threshold=best.threshold, name=name,
        version=now.strftime("%Y.%m.%d-%H%M"), trained_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        training={k: training_info[k] for k in ("command", "data", "excluded_sources", "target_fpr",
                                                "calibration_fpr", "selected", "test_metrics")},
    )
    size = write_model(model, args.out)

    # The file must reproduce scikit-learn's decision_function (what the golden vectors check in Swift).
    back = read_model(args.out)
    k = test_rows[: min(2000, len(test_rows))]
    xs = data.x[k]
    reference = np.asarray(best.estimator.decision_function(xs), dtype=np.float64)
    ours = back.decision_function(xs.toarray(), dtype=np.float32)
    err = np.abs(ours - reference)
    within = bool(np.all(err <= RTOL * np.abs(reference) + ATOL))
    training_info["file_check"] = {"rows": int(len(k)), "max_abs_err_float32": float(err.max()),
                                   "within_rtol_1e-4_atol_1e-5": within}
    training_info["model_file"] = {"path": str(args.out), "bytes": size, "kernel": back.kernel,
                                   "n_sv": back.n_sv, "dim": back.dim, "gamma": back.gamma,
                                   "intercept": back.intercept, "threshold": back.threshold}
    training_info["seconds"] = round(time.time() - t_start, 1)
    report = args.report or args.out.with_suffix(".report.json")
    report.write_text(json.dumps(training_info, indent=1, default=float) + "\n")

    print(format_table(test_metrics, f"## test part, threshold {best.threshold:.4f} ({best.name} {best.params})"))
    if eval_metrics:
        print(format_table({k: v for k, v in eval_metrics.items() if not k.startswith("_")}, "## --eval files"))
    print(f"wrote {args.out}: {size} bytes, kernel {back.kernel}, n_sv {back.n_sv}, dim {back.dim}; "
          f"float32 file check max |err| {err.max():.2e} ({'ok' if within else 'FAILED'}); report {report}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
