import numpy as np
import pytest

from training import split as S
from training.metrics import binary_metrics, per_source_metrics, threshold_for_fpr, threshold_per_source


def _rows(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    sources = np.array(["csic2010", "httpparams", "fwaf_bad", "elastic_apache", "benign:ops"], dtype=object)
    source = sources[rng.integers(0, len(sources), n)]
    split = np.array([""] * n, dtype=object)
    split[source == "csic2010"] = rng.choice(["train", "test"], (source == "csic2010").sum())
    split[source == "httpparams"] = rng.choice(["train", "test", "test_lexical"], (source == "httpparams").sum())
    # few groups, so that most groups have many rows, across sources and splits
    group = np.array([f"g{v}" for v in rng.integers(0, n // 4, n)], dtype=object)
    return source, split, group


def test_grouped_split_puts_every_group_in_exactly_one_part():
    source, split, group = _rows()
    part = S.assign_parts(source, split, group, seed=3)
    for g in np.unique(group):
        assert len(np.unique(part[group == g])) == 1, g


def test_content_seen_in_a_train_split_never_reaches_test():
    source, split, group = _rows()
    part = S.assign_parts(source, split, group)
    seen = np.unique(group[(source == "csic2010") & (split == "train")])
    assert np.all(part[np.isin(group, seen)] == S.FIT)


def test_csic_duplicates_across_its_train_and_test_go_to_fit():
    source = np.array(["csic2010"] * 4, dtype=object)
    split = np.array(["train", "test", "test", "test"], dtype=object)
    group = np.array(["a", "a", "b", "b"], dtype=object)
    part = S.assign_parts(source, split, group)
    assert part[0] == part[1] == S.FIT
    assert part[2] == part[3]


def test_benign_rows_never_land_in_test():
    source, split, group = _rows()
    only_benign = np.array([f"b{i}" for i in range(len(group))], dtype=object)
    part = S.assign_parts(np.array(["benign:ops"] * len(group), dtype=object), split, only_benign)
    assert set(np.unique(part)) == {S.FIT, S.VAL}
    assert 0.1 < np.mean(part == S.VAL) < 0.3


def test_split_is_deterministic_and_seed_dependent():
    source, split, group = _rows()
    a = S.assign_parts(source, split, group, seed=1)
    assert np.array_equal(a, S.assign_parts(source, split, group, seed=1))
    assert not np.array_equal(a, S.assign_parts(source, split, group, seed=2))


def test_unsplit_sources_get_roughly_the_documented_fractions():
    n = 20000
    group = np.array([f"u{i}" for i in range(n)], dtype=object)
    part = S.assign_parts(np.array(["fwaf_bad"] * n, dtype=object), np.array([""] * n, dtype=object), group)
    assert np.mean(part == S.FIT) == pytest.approx(0.4, abs=0.02)
    assert np.mean(part == S.VAL) == pytest.approx(0.2, abs=0.02)


def test_first_of_each_group_keeps_one_row_per_group():
    group = np.array(["a", "b", "a", "c", "b"], dtype=object)
    kept = S.first_of_each_group(group, np.arange(5))
    assert list(kept) == [0, 1, 3]


@pytest.mark.parametrize("target", [0.001, 0.005, 0.02, 0.1])
def test_threshold_meets_the_target_fpr_on_its_calibration_data(target):
    rng = np.random.default_rng(7)
    normals = rng.standard_normal(20000)
    t = threshold_for_fpr(normals, target)
    fpr = np.mean(normals > t)
    assert fpr <= target
    assert fpr >= target - 2 / len(normals)  # and is not needlessly conservative


def test_threshold_with_ties_never_exceeds_the_target():
    normals = np.array([0.0] * 990 + [1.0] * 10)
    t = threshold_for_fpr(normals, 0.005)
    assert np.mean(normals > t) <= 0.005


def test_threshold_on_synthetic_data_generalises_to_fresh_normals():
    rng = np.random.default_rng(11)
    t = threshold_for_fpr(rng.standard_normal(50000), 0.005)
    assert np.mean(rng.standard_normal(50000) > t) == pytest.approx(0.005, abs=0.0015)


def test_per_source_threshold_keeps_every_source_under_target():
    rng = np.random.default_rng(3)
    scores = np.concatenate([rng.normal(0, 1, 5000), rng.normal(2, 1, 5000)])
    source = np.array(["a"] * 5000 + ["b"] * 5000, dtype=object)
    y = np.zeros(10000, dtype=np.int8)
    t, per = threshold_per_source(scores, y, source, 0.01)
    assert t == max(per.values()) == per["b"]
    for s in ("a", "b"):
        assert np.mean(scores[source == s] > t) <= 0.01


def test_metrics_count_per_source_and_ignore_unlabelled_rows():
    scores = np.array([1.0, -1.0, 1.0, -1.0, 5.0])
    y = np.array([1, 1, 0, 0, -1], dtype=np.int8)
    source = np.array(["a", "a", "b", "b", "b"], dtype=object)
    m = per_source_metrics(scores, y, source, 0.0)
    assert m["a"]["detection_rate"] == 0.5 and m["a"]["fpr"] is None
    assert m["b"]["fpr"] == 0.5 and m["b"]["n_attack"] == 0
    assert m["all"]["tp"] == 1 and m["all"]["fp"] == 1 and m["all"]["f1"] == pytest.approx(0.5)
    assert binary_metrics(np.array([1]), np.array([1]))["f1"] == 1.0


def test_rbf_subsample_respects_budget_keeps_benign_and_favours_weighted_sources():
    from training.train_whole import subsample

    rng = np.random.default_rng(0)
    source = np.array(["csic2010"] * 3000 + ["fwaf_bad"] * 6000 + ["benign:ops"] * 200, dtype=object)
    y = np.array([0] * 1500 + [1] * 1500 + [1] * 6000 + [0] * 200)
    w = np.where(source == "csic2010", 3.0, 1.0)
    idx = subsample(np.arange(len(y)), source, y, 2000, rng, w)
    assert len(idx) <= 2000 and len(np.unique(idx)) == len(idx)
    assert np.all(np.isin(np.flatnonzero(source == "benign:ops"), idx))
    assert (source[idx] == "csic2010").sum() > (source[idx] == "fwaf_bad").sum()


def test_split_file_cuts_by_time_and_can_drop_attacks_from_the_first_part(tmp_path):
    import json

    from training.split_file import main as split_file

    rows = [{"id": i, "label": "attack" if i == 4 else "normal", "meta": {"time": f"2015-05-1{9 - i}"}}
            for i in range(6)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    split_file([str(src), "--first", "0.5", "--out", str(a), str(b), "--normals-only-first"])
    first = [json.loads(x)["id"] for x in a.read_text().splitlines()]
    second = [json.loads(x)["id"] for x in b.read_text().splitlines()]
    assert first == [5, 3] and second == [2, 1, 0]
