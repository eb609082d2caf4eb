"""The part-model trainer and adaptation end to end on small data, with the Swift featurizer
(``anomaly-service featurize``) and the Swift scorer (``anomaly-service score``): the model file
the trainer writes must score in Swift exactly as it did in Python."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from training import adapt, train
from training.data import find_featurizer
from training.datasets import data_file
from training.model_format import read_model
from training.parts import load_parts, prepare, request_max


def featurizer_or_skip() -> Path:
    try:
        return find_featurizer(None)
    except Exception as e:  # no Swift toolchain here
        pytest.skip(f"no anomaly-service build: {e}")


def sample(name: str, out: Path, every: int) -> Path:
    """Every ``every``-th row of a shipped data set."""
    with open(data_file(name), encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            if i % every == 0:
                g.write(line)
    return out


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("data")
    return [sample("csic2010", d / "csic2010.jsonl", 40), sample("httpparams", d / "httpparams.jsonl", 20),
            sample("fuzzdb", d / "fuzzdb.jsonl", 5), sample("fwaf_bad", d / "fwaf_bad.jsonl", 40),
            sample("elastic_apache", d / "elastic_apache.jsonl", 5)]


@pytest.fixture(scope="module")
def trained(small_data, tmp_path_factory) -> Path:
    featurizer_or_skip()
    out = tmp_path_factory.mktemp("model") / "small.model"
    rc = train.main(["--data", *map(str, small_data), "--out", str(out), "--synthetic-rows", "1500"])
    assert rc == 0
    return out


def test_payload_rows_become_one_parameter():
    row = {"kind": "param_value", "query": "1' or '1'='1 & x=2", "path": None, "label": "attack"}
    assert prepare(row)["query"] == "v=1%27+or+%271%27%3D%271+%26+x%3D2"
    assert prepare(row)["path"] is None


def test_request_score_is_the_largest_part_score():
    scores, argmax = request_max(np.array([0.1, 0.5, -2.0, 0.3, 0.3]), np.array([0, 0, 1, 2, 2]), 4)
    assert scores[:3].tolist() == [0.5, -2.0, 0.3]
    assert scores[3] == -np.inf
    assert argmax.tolist() == [1, 2, 3, -1]


def test_the_report_counts_every_test_row_per_source(trained, small_data):
    report = json.loads((trained.with_suffix(".report") / "default" / "report.json").read_text())
    csic = report["per_source"]["csic2010"]
    # Every CSIC test normal of the sample is evaluated, however often its content recurs.
    rows = [json.loads(line) for line in open(small_data[0])]
    assert csic["n_normal"] == sum(1 for r in rows if r["split"] == "test" and r["label"] == "normal")
    assert 0 < csic["n_attack"] < sum(1 for r in rows if r["label"] == "attack")
    assert {"per_category", "per_part", "category_confusion", "decided_by"} <= set(report)
    for part in ("path", "query", "body", "user_agent", "referer"):
        assert report["per_part"][part]["n_attack"] > 0
    for figure in report["figures"]:
        assert (trained.with_suffix(".report") / "default" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_swift_scores_the_model_file_as_python_does(trained, small_data, tmp_path):
    binary = featurizer_or_skip()
    model = read_model(trained)
    assert model.categories and model.feature_config["extractor"] == "http-parts-v3"
    rows = [json.loads(line) for line in open(small_data[0])][:300]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps(prepare(r)) + "\n" for r in rows))
    subprocess.run([str(binary), "featurize", str(requests), "--out", str(tmp_path / "f"),
                    "--feature-config", str(train.CONFIG)], check=True, capture_output=True)
    ps = load_parts(tmp_path / "f")
    expected, _ = request_max(np.asarray(ps.x @ model.weights, dtype=np.float64) + model.intercept,
                              ps.part_row, len(ps))
    out = subprocess.run([str(binary), "score", "--model", str(trained), str(requests)], check=True,
                         capture_output=True, text=True).stdout
    got = np.array([json.loads(line)["score"] for line in out.splitlines()])
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-4


def test_adaptation_lowers_false_alarms_on_the_operators_later_traffic(trained, small_data, tmp_path):
    featurizer_or_skip()
    log = tmp_path / "site.jsonl"
    # The operator's site: elastic_apache's blog, unlabelled, as it was logged.
    lines = [json.loads(line) for line in open(data_file("elastic_apache"))][:1200]
    log.write_text("".join(json.dumps({"path": r["path"], "query": r["query"], "method": r["method"],
                                       "headers": r["headers"]}) + "\n" for r in lines))
    out = tmp_path / "adapted.model"
    rc = adapt.main(["--log", str(log), "--out", str(out), "--base", str(trained),
                     "--data", *map(str, small_data), "--synthetic-rows", "1500"])
    assert rc == 0
    summary = json.loads(out.with_suffix(".report").joinpath("report.json").read_text())["summary"]
    op = summary["per_source"][adapt.OPERATOR]
    assert op["after"]["fpr"] <= op["before"]["fpr"]
    assert summary["past"] == 600
    assert read_model(out).threshold == summary["threshold"]["adapted"]
