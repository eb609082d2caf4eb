"""Turns fitted scikit-learn estimators into :class:`SVMModel` (the service's decision function).

Each converter keeps scikit-learn's sign convention with classes ``[0, 1]`` (1 = attack): a positive
decision value means attack, exactly as ``decision_function`` of the estimator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC

from .model_format import SVMModel


def _dense(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if sp.issparse(a) else a, dtype=np.float64)


def _check_binary(classes: np.ndarray) -> None:
    if list(classes) != [0, 1]:
        raise ValueError(f"expected classes [0, 1] (1 = attack), got {list(classes)}")


def from_svc(svc: SVC, **meta: Any) -> SVMModel:
    """An RBF or linear ``SVC``; for ``kernel='linear'`` the weights are ``coef_``."""
    _check_binary(svc.classes_)
    if svc.kernel == "rbf":
        return SVMModel(
            kernel="rbf",
            gamma=float(svc._gamma),
            support_vectors=_dense(svc.support_vectors_),
            dual_coef=_dense(svc.dual_coef_)[0],
            intercept=float(svc.intercept_[0]),
            **meta,
        )
    if svc.kernel == "linear":
        return SVMModel(kernel="linear", weights=_dense(svc.coef_)[0], intercept=float(svc.intercept_[0]), **meta)
    raise ValueError(f"kernel {svc.kernel!r} has no representation in format version 1")


def from_linear(clf: Any, **meta: Any) -> SVMModel:
    """Any linear classifier with ``coef_`` [1, dim] and ``intercept_`` (LinearSVC, SGDClassifier...)."""
    _check_binary(clf.classes_)
    return SVMModel(
        kernel="linear",
        weights=_dense(clf.coef_)[0],
        intercept=float(np.ravel(clf.intercept_)[0]),
        **meta,
    )


def from_nystroem(nys: Nystroem, clf: Any, **meta: Any) -> SVMModel:
    """Nystroem(rbf) followed by a linear classifier, as an ``rbf`` model.

    ``clf(nys(x)) = coef . (normalization_ @ k(landmarks, x)) + b
                  = sum_j (normalization_.T @ coef)_j * k(landmark_j, x) + b``,
    so the landmarks are the support vectors and ``normalization_.T @ coef`` the dual coefficients
    (``normalization_`` is symmetric up to rounding, which is why docs/MODEL_FORMAT.md writes it
    without the transpose).
    """
    _check_binary(clf.classes_)
    if nys.kernel != "rbf":
        raise ValueError("only an rbf Nystroem map can be written")
    coef = _dense(clf.coef_)[0]
    dual = nys.normalization_.T.astype(np.float64) @ coef
    return SVMModel(
        kernel="rbf",
        gamma=float(nys.gamma),
        support_vectors=_dense(nys.components_),
        dual_coef=dual,
        intercept=float(np.ravel(clf.intercept_)[0]),
        **meta,
    )


def from_estimator(est: Any, **meta: Any) -> SVMModel:
    """Dispatches on the estimator type (SVC, LinearSVC-like, or Pipeline(Nystroem, linear))."""
    if isinstance(est, SVC):
        return from_svc(est, **meta)
    if isinstance(est, Pipeline):
        steps = [s for _, s in est.steps]
        if len(steps) == 2 and isinstance(steps[0], Nystroem):
            return from_nystroem(steps[0], steps[1], **meta)
        raise ValueError("only Pipeline(Nystroem, linear classifier) can be written")
    if isinstance(est, LinearSVC) or hasattr(est, "coef_"):
        return from_linear(est, **meta)
    raise ValueError(f"cannot write a {type(est).__name__}")
