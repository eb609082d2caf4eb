"""Golden vectors for the Swift scorer: small models + features + scikit-learn's decision values.

    python -m training.golden --out Tests/InferenceTests/Fixtures/golden

writes, from seeded synthetic data (dim 64, non-negative, L2-normalised rows like hashed n-gram
features), three models and the features to score with each:

| file | content |
|---|---|
| ``rbf.model`` | ``SVC(kernel="rbf")``, about 60 support vectors |
| ``linear.model`` | ``LinearSVC`` (kernel ``linear``, weights only) |
| ``nystroem.model`` | ``Nystroem(rbf, 48 landmarks) + LinearSVC`` written as an ``rbf`` model |
| ``features.npy`` | float32 [n, 64]: rows to score; includes an all-zero row and a row equal to a support vector |
| ``expected.npy`` | float64 [n]: ``SVC.decision_function(features)`` (the rbf model) |
| ``expected_linear.npy`` | float64 [n]: ``LinearSVC.decision_function(features)`` |
| ``expected_nystroem.npy`` | float64 [n]: ``Pipeline.decision_function(features)`` |
| ``golden.json`` | this list, the tolerance, and the error of a float32 reference scorer |

The models' ``feature_config`` is a small literal object with ``"synthetic": true``: a service must
not load these as real models; the Swift test checks only the decision values.

Tolerance: ``|swift - expected| <= rtol * |expected| + atol`` with rtol 1e-4 and atol 1e-5. The atol
term covers decision values near zero, where a relative error is meaningless: the stored float32
dual coefficients alone perturb the sum by about ``sum|dual_coef| * 6e-8``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC, LinearSVC

from .convert import from_estimator
from .model_format import SVMModel, read_model, write_model

DIM = 64
RTOL = 1e-4
ATOL = 1e-5
FEATURE_CONFIG = {"synthetic": True, "dim": DIM, "note": "golden vectors only; not a real extractor configuration"}


def synthetic_requests(n: int, dim: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sparse non-negative L2-normalised rows around 6 benign and 4 attack 'request templates',
    with 3% of the labels flipped so that some dual coefficients sit at the box bound C."""
    y = (rng.random(n) < 0.4).astype(np.int64)
    templates = rng.exponential(1.0, size=(10, dim)) * (rng.random((10, dim)) < 0.3)
    t = np.where(y == 1, rng.integers(6, 10, n), rng.integers(0, 6, n))
    x = templates[t] + rng.exponential(0.4, size=(n, dim)) * (rng.random((n, dim)) < 0.2)
    mixed = rng.random(n) < 0.1  # some rows halfway between a benign and an attack template
    x[mixed] += templates[rng.integers(6, 10, int(mixed.sum()))] * rng.random((int(mixed.sum()), 1))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    flip = rng.random(n) < 0.03
    y[flip] = 1 - y[flip]
    return x.astype(np.float32), y


def build(out: Path, seed: int = 20261125) -> dict:
    rng = np.random.default_rng(seed)
    x_train, y_train = synthetic_requests(300, DIM, rng)
    x_test, _ = synthetic_requests(120, DIM, rng)

    svc = SVC(kernel="rbf", C=1.0, gamma=1.0).fit(x_train, y_train)
    lin = LinearSVC(C=1.0, max_iter=20000).fit(x_train, y_train)
    nys = make_pipeline(
        Nystroem(kernel="rbf", gamma=1.0, n_components=48, random_state=seed), LinearSVC(C=1.0, max_iter=20000)
    ).fit(x_train, y_train)

    # Edge cases: the empty request (all zeros) and a support vector itself (distance 0).
    features = np.vstack([x_test, np.zeros((1, DIM), np.float32), svc.support_vectors_[:1].astype(np.float32)])
    features = np.ascontiguousarray(features, dtype=np.float32)

    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "features.npy", features)
    report = {
        "dim": DIM,
        "n": int(features.shape[0]),
        "seed": seed,
        "rtol": RTOL,
        "atol": ATOL,
        "check": "|actual - expected| <= rtol * |expected| + atol",
        "models": {},
    }
    for name, est, expected_file in [
        ("rbf", svc, "expected.npy"),
        ("linear", lin, "expected_linear.npy"),
        ("nystroem", nys, "expected_nystroem.npy"),
    ]:
        expected = est.decision_function(features.astype(np.float64)).astype(np.float64)
        meta = dict(
            feature_config=FEATURE_CONFIG,
            threshold=0.0,
            name=f"golden-{name}",
            version="golden-1",
            trained_at="2026-11-25T00:00:00Z",
            training={"synthetic": True, "estimator": repr(est), "seed": seed},
        )
        model: SVMModel = from_estimator(est, **meta)
        write_model(model, out / f"{name}.model")
        np.save(out / expected_file, expected)
        back = read_model(out / f"{name}.model")
        errs = {}
        for dtype in (np.float64, np.float32):
            got = back.decision_function(features, dtype=dtype)
            err = np.abs(got - expected)
            ok = bool(np.all(err <= RTOL * np.abs(expected) + ATOL))
            errs[np.dtype(dtype).name] = {"max_abs_err": float(err.max()), "within_tolerance": ok}
            if not ok:
                raise SystemExit(f"{name}: the {np.dtype(dtype).name} reference scorer misses the tolerance")
        report["models"][name] = {
            "file": f"{name}.model",
            "expected": expected_file,
            "kernel": back.kernel,
            "n_sv": back.n_sv,
            "gamma": back.gamma,
            "intercept": back.intercept,
            "expected_range": [float(expected.min()), float(expected.max())],
            "python_reference_error": errs,
        }
    (out / "golden.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("Tests/InferenceTests/Fixtures/golden"))
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args(argv)
    report = build(args.out, args.seed)
    for name, m in report["models"].items():
        print(f"{name}: kernel={m['kernel']} n_sv={m['n_sv']} err={m['python_reference_error']}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
