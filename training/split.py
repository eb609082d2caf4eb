"""Content-grouped split into fit / val / test parts.

Every row carries ``group``: the extractor's hash of method+path+query+body (cookies and other
headers ignored). All rows of a group land in one part, so the ~3.7 copies of each CSIC request
(differing only in the session cookie) can never sit on both sides of a split.

Rules, per source (a row's *proposed* part):

* a dataset's own ``train`` split goes to fit. For CSIC 2010 that is 36k normals only; for
  httpparams 20% of its train groups go to val instead, since it has no validation part of its own;
* a dataset's own ``test`` / ``test_lexical`` split is divided by group hash: CSIC 40% fit (its only
  source of attacks to learn from) / 20% val / 40% test, normals and attacks alike so that the test
  part keeps the dataset's normal:attack ratio; httpparams: all test;
* sources without a split (fwaf_bad, fuzzdb, elastic_apache, ...): 40% fit / 20% val / 40% test;
* ``benign`` rows (an operator's own traffic, ``--benign``): 80% fit / 20% val (threshold).

Then every group takes the earliest part any of its rows proposed (fit < val < test): content
seen in training is never evaluated, wherever it came from.
"""

from __future__ import annotations

import hashlib

import numpy as np

FIT, VAL, TEST = 0, 1, 2
PART_NAMES = ("fit", "val", "test")

# source -> (fit, val) fractions of hashed groups for rows without their own train split
UNSPLIT_FRACTIONS = (0.4, 0.2)
CSIC_TEST_FRACTIONS = (0.4, 0.2)
OWN_TRAIN_VAL_FRACTION = 0.2
BENIGN_VAL_FRACTION = 0.2
BENIGN_SOURCE_PREFIX = "benign"


def group_unit(groups: np.ndarray, seed: int) -> np.ndarray:
    """A deterministic pseudo-uniform number in [0, 1) per group (sha256 of seed and group)."""
    cache: dict[str, float] = {}
    out = np.empty(len(groups), dtype=np.float64)
    for i, g in enumerate(groups):
        u = cache.get(g)
        if u is None:
            h = hashlib.sha256(f"{seed}:{g}".encode()).digest()
            u = int.from_bytes(h[:8], "little") / 2.0**64
            cache[g] = u
        out[i] = u
    return out


def _by_fraction(u: np.ndarray, fit: float, val: float) -> np.ndarray:
    return np.where(u < fit, FIT, np.where(u < fit + val, VAL, TEST))


def propose_parts(source: np.ndarray, split: np.ndarray, group: np.ndarray, seed: int = 0) -> np.ndarray:
    u = group_unit(group, seed)
    part = np.full(len(group), TEST, dtype=np.int8)
    benign = np.array([str(s).startswith(BENIGN_SOURCE_PREFIX) for s in source])
    own_train = (split == "train") & ~benign
    own_test = np.isin(split, ["test", "test_lexical"]) & ~benign
    unsplit = ~benign & ~own_train & ~own_test
    csic = source == "csic2010"

    m = own_train & csic
    part[m] = FIT
    m = own_train & ~csic
    part[m] = np.where(u[m] < OWN_TRAIN_VAL_FRACTION, VAL, FIT)
    m = own_test & csic
    part[m] = _by_fraction(u[m], *CSIC_TEST_FRACTIONS)
    m = own_test & ~csic
    part[m] = TEST
    part[unsplit] = _by_fraction(u[unsplit], *UNSPLIT_FRACTIONS)
    part[benign] = np.where(u[benign] < BENIGN_VAL_FRACTION, VAL, FIT)
    return part


def resolve_groups(group: np.ndarray, proposed: np.ndarray) -> np.ndarray:
    """Each group takes the earliest part (fit < val < test) proposed by any of its rows."""
    _, inverse = np.unique(group.astype(str), return_inverse=True)
    earliest = np.full(inverse.max() + 1 if len(inverse) else 0, TEST, dtype=np.int8)
    np.minimum.at(earliest, inverse, proposed)
    return earliest[inverse]


def assign_parts(source: np.ndarray, split: np.ndarray, group: np.ndarray, seed: int = 0) -> np.ndarray:
    """fit/val/test (0/1/2) per row, content-grouped; see the module docstring for the rules."""
    return resolve_groups(group, propose_parts(source, split, group, seed))


def first_of_each_group(group: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The subset of ``index`` keeping one row per group (for de-duplicated fitting)."""
    _, first = np.unique(group[index].astype(str), return_index=True)
    return np.sort(index[first])
