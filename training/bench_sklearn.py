"""scikit-learn's cost per request for a model file: the reference for the Swift scorer's benchmark.

    python -m training.bench_sklearn --model models/default.model --model-features DIR

Rebuilds from the model file the scikit-learn estimator with the same decision function (an
``SVC(kernel="rbf")`` holding the file's support vectors, dual coefficients and intercept, or a
``LinearSVC`` with its weights), checks that it reproduces the file's decision values, and times
``decision_function`` on dense float32 feature rows (as the service holds them) at batch 1 and
batch 256: median over ``--repeats`` runs, in microseconds per request. For comparison it also times
the same maths as one float32 GEMM in NumPy (row norms, ``X @ SV.T``, exp, ``@ dual_coef``).

Rows come from ``--model-features`` (an ``anomaly-service featurize`` output directory) or, without
it, from the model's own support vectors (perturbed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
from sklearn.svm import SVC, LinearSVC

from .model_format import SVMModel, read_model


def sklearn_estimator(model: SVMModel):
    """An SVC / LinearSVC whose ``decision_function`` is the model's (classes [0, 1])."""
    rng = np.random.default_rng(0)
    if model.kernel == "linear":
        est = LinearSVC()
        est.fit(rng.random((4, model.dim)), [0, 1, 0, 1])
        est.coef_ = model.weights.astype(np.float64)[None, :]
        est.intercept_ = np.array([model.intercept])
        return est
    n = model.n_sv
    est = SVC(kernel="rbf", gamma=float(model.gamma))
    est.fit(rng.random((4, model.dim)), [0, 1, 0, 1])  # then swap in the model's parameters
    dual = model.dual_coef.astype(np.float64)
    order = np.argsort(dual > 0, kind="stable")  # libsvm keeps the support vectors grouped by class
    est.support_vectors_ = np.ascontiguousarray(model.support_vectors[order], dtype=np.float64)
    est.support_ = np.arange(n, dtype=np.int32)
    n_neg = int((dual <= 0).sum())
    est._n_support = np.array([n_neg, n - n_neg], dtype=np.int32)
    # scikit-learn stores libsvm's signs internally and flips them for the public attributes
    est._dual_coef_ = -dual[order][None, :]
    est.dual_coef_ = dual[order][None, :]
    est._intercept_ = np.array([-model.intercept])
    est.intercept_ = np.array([model.intercept])
    est.shape_fit_ = (n, model.dim)
    return est


def gemm_decision(model: SVMModel, x: np.ndarray, svt: np.ndarray, svn: np.ndarray, dual: np.ndarray) -> np.ndarray:
    if model.kernel == "linear":
        return x @ model.weights + np.float32(model.intercept)
    xn = np.einsum("ij,ij->i", x, x)
    d2 = xn[:, None] + svn[None, :] - np.float32(2) * (x @ svt)
    np.maximum(d2, 0, out=d2)
    np.multiply(d2, np.float32(-model.gamma), out=d2)
    np.exp(d2, out=d2)
    return d2 @ dual + np.float32(model.intercept)


CLOCK = time.perf_counter


def time_per_request(fn, rows: np.ndarray, batch: int, repeats: int, min_requests: int) -> float:
    """Median over ``repeats`` runs of the mean µs per request, each run scoring at least
    ``min_requests`` rows in batches of ``batch``."""
    n_batches = max(1, min_requests // batch)
    starts = [(i * batch) % max(1, rows.shape[0] - batch + 1) for i in range(n_batches)]
    batches = [np.ascontiguousarray(rows[s : s + batch]) for s in starts]
    fn(batches[0])  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = CLOCK()
        for b in batches:
            fn(b)
        runs.append((CLOCK() - t0) / (n_batches * batch) * 1e6)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.bench_sklearn", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=Path("models/default.model"))
    ap.add_argument("--model-features", type=Path, help="featurize output dir to draw request rows from")
    ap.add_argument("--rows", type=int, default=4096)
    ap.add_argument("--batches", default="1,256")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--min-requests", type=int, default=1024)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock, or process CPU time (robust on a shared machine; BLAS threads add up)")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time

    model = read_model(args.model)
    rng = np.random.default_rng(1)
    if args.model_features:
        x_all = np.load(args.model_features / "X.npy", mmap_mode="r")
        idx = np.sort(rng.choice(x_all.shape[0], size=min(args.rows, x_all.shape[0]), replace=False))
        rows = np.ascontiguousarray(x_all[idx], dtype=np.float32)
    else:
        base = model.support_vectors if model.n_sv else rng.random((64, model.dim)).astype(np.float32)
        rows = base[rng.integers(0, base.shape[0], args.rows)] * rng.uniform(0.9, 1.1, (args.rows, 1))
        rows = rows.astype(np.float32)
    if rows.shape[1] != model.dim:
        raise SystemExit(f"features have dimension {rows.shape[1]}, the model {model.dim}")

    est = sklearn_estimator(model)
    check = rows[:256]
    ref = est.decision_function(check.astype(np.float64))
    ours = model.decision_function(check)
    err = float(np.max(np.abs(ref - ours)))
    if not np.allclose(ref, ours, rtol=1e-4, atol=1e-5):
        raise SystemExit(f"rebuilt scikit-learn estimator disagrees with the model file (max |err| {err:.2e})")

    svt = np.ascontiguousarray(model.support_vectors.T)
    svn = np.einsum("ij,ij->i", model.support_vectors, model.support_vectors).astype(np.float32)
    dual = model.dual_coef.astype(np.float32)
    results = {
        "model": str(args.model), "kernel": model.kernel, "n_sv": model.n_sv, "dim": model.dim,
        "rows_from": str(args.model_features or "support vectors"), "repeats": args.repeats,
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "omp_threads": os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS"),
        "rebuild_max_abs_err": err, "clock": args.clock, "us_per_request": {},
    }
    for b in [int(v) for v in args.batches.split(",")]:
        sk = time_per_request(est.decision_function, rows, b, args.repeats, args.min_requests)
        gm = time_per_request(lambda x: gemm_decision(model, x, svt, svn, dual), rows, b, args.repeats,
                              args.min_requests)
        results["us_per_request"][f"batch_{b}"] = {"sklearn_decision_function": round(sk, 2),
                                                   "numpy_float32_gemm": round(gm, 2)}
        print(f"batch {b:4d}: scikit-learn decision_function {sk:9.1f} µs/request;"
              f" NumPy float32 GEMM {gm:8.1f} µs/request  ({model.kernel}, n_sv {model.n_sv}, dim {model.dim})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
