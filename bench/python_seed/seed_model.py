"""The seed design's model: what the trainer saves and the service loads.

Shared by train_seed_model.py and seed_service.py so both build the request text the same way.
The featurisation is deliberately the naive one: URL-decode "method path?query body" once and hash
its character 1-3-grams, one request at a time, with scikit-learn's own classes.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from urllib.parse import unquote_plus

from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.svm import SVC

MODEL_NAME = "python-seed"
MODEL_VERSION = "1"


def default_model_path() -> str:
    """``$TMPDIR/python-seed/seed.pkl`` (the model is generated, never committed)."""
    return os.path.join(tempfile.gettempdir(), "python-seed", "seed.pkl")


def make_vectorizer() -> HashingVectorizer:
    """Character 1-3-grams hashed into 4,096 columns, L2-normalised."""
    return HashingVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        n_features=2**12,
        alternate_sign=False,
        norm="l2",
    )


def request_text(method: str | None, path: str | None, query: str | None, body: str | None) -> str:
    """``method path?query body``, URL-decoded once (``+`` is a space, as in a form)."""
    target = path or ""
    if query:
        target = f"{target}?{query}"
    return unquote_plus(f"{method or ''} {target} {body or ''}", errors="replace")


@dataclass
class SeedModel:
    """What the trainer pickles: the (stateless) vectoriser, the fitted SVC and its threshold."""

    vectorizer: HashingVectorizer
    svc: SVC
    threshold: float = 0.0
    name: str = MODEL_NAME
    version: str = MODEL_VERSION

    @property
    def identifier(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def support_vectors(self) -> int:
        return int(self.svc.support_vectors_.shape[0])

    def save(self, path: str) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    @staticmethod
    def load(path: str) -> "SeedModel":
        with open(path, "rb") as f:
            model = pickle.load(f)
        if not isinstance(model, SeedModel):
            raise TypeError(f"{path}: not a SeedModel pickle")
        return model
