"""The trainer on a synthetic featurize directory: no Swift binary needed."""

import json

import numpy as np
import pytest

from training import synthetic, train_whole as train
from training.data import load_featurized
from training.model_format import read_model


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    return synthetic.make(tmp_path_factory.mktemp("feat"), rows=1500, dim=48, seed=1)


@pytest.mark.parametrize("family", ["linear", "rbf", "nystroem"])
def test_trainer_writes_a_model_that_reproduces_its_estimator(tmp_path, features, family):
    out = tmp_path / f"{family}.model"
    rc = train.main([
        "--data-features", str(features), "--out", str(out), "--models", family,
        "--linear-C", "1", "--nystroem-C", "1", "--gamma-scale", "1", "--nystroem-components", "40",
        "--rbf-max-train", "400",
    ])
    assert rc == 0
    model = read_model(out)
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert report["file_check"]["within_rtol_1e-4_atol_1e-5"]
    assert model.feature_config == json.loads((features / "feature_config.json").read_text())
    assert model.kernel == ("linear" if family == "linear" else "rbf")
    assert model.threshold == report["selected"]["threshold"]
    assert set(report["test_metrics"]) >= {"csic2010", "httpparams", "fwaf_bad", "fuzzdb", "elastic_apache", "all"}


def test_benign_traffic_is_trained_on_and_calibrated_against(tmp_path, features):
    benign_dir = synthetic.make(tmp_path / "ops", rows=600, dim=48, seed=9)
    out = tmp_path / "b.model"
    rc = train.main([
        "--data-features", str(features), "--benign-features", str(benign_dir), "--out", str(out),
        "--models", "linear", "--linear-C", "1",
    ])
    assert rc == 0
    report = json.loads(out.with_suffix(".report.json").read_text())
    benign_sources = [s for s in report["counts"] if s.startswith("benign:")]
    assert benign_sources
    for s in benign_sources:
        assert report["counts"][s]["test"] == {"normal": 0, "attack": 0}
        assert report["counts"][s]["fit"]["attack"] == 0  # labelled attacks are dropped from --benign
    assert any(s.startswith("benign:") for s in report["per_source_thresholds"])


def test_excluded_source_is_only_evaluated(tmp_path, features):
    out = tmp_path / "x.model"
    train.main(["--data-features", str(features), "--eval-features", str(features), "--out", str(out),
                "--models", "linear", "--linear-C", "1", "--exclude-source", "elastic_apache"])
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert "elastic_apache" not in report["per_source_thresholds"]
    assert "eval:elastic_apache" in report["eval_metrics"]


def test_featurize_output_loads_as_sparse_rows_with_metadata(features):
    fs = load_featurized(features)
    assert fs.x.shape[0] == len(fs) == len(fs.group)
    x = np.load(features / "X.npy")
    assert np.array_equal(fs.x.toarray(), x)
