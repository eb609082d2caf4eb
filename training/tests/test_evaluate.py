import json

import numpy as np
import pytest

from training import evaluate as E
from training.evaluate import EvalTable

PNG = b"\x89PNG\r\n\x1a\n"

# (source, label, true_category, true_part, group, score, pred_category, pred_part); threshold 0.0
ROWS = [
    # web: 5 normal rows, 4 distinct; g1 flagged twice (a duplicate), so FPR 2/5 per row, 1/4 distinct
    ("web", 0, "", "", "g1", 1.0, "probe", "user_agent"),
    ("web", 0, "", "", "g1", 1.0, "probe", "user_agent"),
    ("web", 0, "", "", "g2", -1.0, "", "path"),
    ("web", 0, "", "", "g3", -1.0, "", "path"),
    ("web", 0, "", "", "g4", -1.0, "", "path"),
    # web: 4 attacks, 3 detected; a2 sits exactly on the threshold, which is not anomalous
    ("web", 1, "sqli", "query", "a1", 2.0, "sqli", "param"),
    ("web", 1, "sqli", "query", "a2", 0.0, "", "param"),
    ("web", 1, "xss", "body", "a3", 3.0, "sqli", "body"),
    ("web", 1, "", "", "a4", 0.5, "other", "path"),
    # fuzzdb: attacks only, 2 of 3 detected
    ("fuzzdb", 1, "traversal", "path", "f1", 1.0, "traversal", "path"),
    ("fuzzdb", 1, "cmdi", "", "f2", 1.0, "cmdi", "param"),
    ("fuzzdb", 1, "cmdi", "", "f3", -1.0, "", "param"),
    # benign_app: normals only, 3 rows, 2 distinct, 1 flagged
    ("benign_app", 0, "", "", "b1", -2.0, "", "path"),
    ("benign_app", 0, "", "", "b2", 0.5, "other", "referer"),
    ("benign_app", 0, "", "", "b1", -2.0, "", "path"),
]


def table(rows=ROWS) -> EvalTable:
    cols = list(zip(*rows))
    return EvalTable(source=np.array(cols[0]), label=np.array(cols[1]), true_category=np.array(cols[2]),
                     true_part=np.array(cols[3]), group=np.array(cols[4]), score=np.array(cols[5]),
                     pred_category=np.array(cols[6]), pred_part=np.array(cols[7]))


def test_per_source_counts_rows_and_distinct_groups():
    r = E.evaluate(table(), 0.0)
    ps = r["per_source"]
    assert list(ps) == ["benign_app", "fuzzdb", "web", "all"]
    web = ps["web"]
    assert (web["n_normal"], web["n_attack"], web["tp"], web["fp"], web["tn"], web["fn"]) == (5, 4, 3, 2, 3, 1)
    assert web["fpr"] == pytest.approx(2 / 5)
    assert web["detection_rate"] == pytest.approx(3 / 4)
    assert web["precision"] == pytest.approx(3 / 5)
    assert web["f1"] == pytest.approx(6 / 9)
    assert web["distinct"]["n_normal"] == 4 and web["distinct"]["fp"] == 1
    assert web["distinct"]["fpr"] == pytest.approx(1 / 4)
    assert ps["benign_app"]["fpr"] == pytest.approx(1 / 3)
    assert ps["benign_app"]["distinct"]["fpr"] == pytest.approx(1 / 2)
    assert ps["fuzzdb"]["detection_rate"] == pytest.approx(2 / 3)
    assert ps["fuzzdb"]["f1"] == pytest.approx(4 / 5)
    a = ps["all"]
    assert (a["n_normal"], a["n_attack"], a["tp"], a["fp"]) == (8, 7, 5, 3)
    assert a["fpr"] == pytest.approx(3 / 8) and a["detection_rate"] == pytest.approx(5 / 7)
    assert a["precision"] == pytest.approx(5 / 8) and a["f1"] == pytest.approx(2 / 3)
    assert a["distinct"]["fpr"] == pytest.approx(2 / 6)
    assert a["distinct"]["detection_rate"] == pytest.approx(5 / 7)
    json.dumps(r)  # serialisable as is


def test_duplicates_change_row_fpr_but_not_distinct_fpr():
    base = [r for r in ROWS if r[0] == "web" and r[1] == 0]
    once = E.evaluate(table(base[1:]), 0.0)["per_source"]["web"]  # 4 normals, 1 flagged
    twice = E.evaluate(table(base), 0.0)["per_source"]["web"]  # flagged one seen twice
    assert once["fpr"] == pytest.approx(1 / 4) and twice["fpr"] == pytest.approx(2 / 5)
    assert once["distinct"]["fpr"] == twice["distinct"]["fpr"] == pytest.approx(1 / 4)


def test_a_group_whose_rows_disagree_counts_as_flagged():
    rows = [("s", 0, "", "", "g", 1.0, "", "path"), ("s", 0, "", "", "g", -1.0, "", "path"),
            ("s", 0, "", "", "h", -1.0, "", "path")]
    d = E.evaluate(table(rows), 0.0)["per_source"]["s"]["distinct"]
    assert (d["n_normal"], d["fp"], d["tn"]) == (2, 1, 1)


def test_undefined_metrics_are_none():
    r = E.evaluate(table(), 0.0)["per_source"]
    assert r["fuzzdb"]["fpr"] is None and r["fuzzdb"]["distinct"]["fpr"] is None
    assert r["benign_app"]["detection_rate"] is None
    quiet = E.evaluate(table([("s", 0, "", "", "g", -1.0, "", "path")]), 0.0)
    s = quiet["per_source"]["s"]
    assert s["precision"] is None and s["f1"] is None and s["detection_rate"] is None
    assert s["fpr"] == 0.0
    assert quiet["category_confusion"]["accuracy"] is None


def test_detection_per_category_and_part():
    r = E.evaluate(table(), 0.0)
    assert r["per_category"] == {
        "sqli": {"n_attack": 2, "detected": 1, "detection_rate": 0.5},
        "xss": {"n_attack": 1, "detected": 1, "detection_rate": 1.0},
        "traversal": {"n_attack": 1, "detected": 1, "detection_rate": 1.0},
        "cmdi": {"n_attack": 2, "detected": 1, "detection_rate": 0.5},
        "unknown": {"n_attack": 1, "detected": 1, "detection_rate": 1.0},
    }
    assert list(r["per_category"]) == ["sqli", "xss", "traversal", "cmdi", "unknown"]
    assert list(r["per_part"]) == ["path", "query", "body", "whole"]
    assert r["per_part"]["query"] == {"n_attack": 2, "detected": 1, "detection_rate": 0.5}
    assert r["per_part"]["whole"]["n_attack"] == 3 and r["per_part"]["whole"]["detected"] == 2


def test_category_confusion_over_detected_attacks_of_known_category():
    cc = E.evaluate(table(), 0.0)["category_confusion"]
    assert cc["labels"] == ["sqli", "xss", "traversal", "cmdi"]
    assert cc["matrix"] == [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    assert (cc["n"], cc["correct"]) == (4, 3) and cc["accuracy"] == pytest.approx(0.75)


def test_decided_by_splits_false_and_true_positives():
    d = E.evaluate(table(), 0.0)["decided_by"]
    assert list(d.items()) == [
        ("user_agent", {"fp": 2, "tp": 0}), ("referer", {"fp": 1, "tp": 0}),
        ("param", {"fp": 0, "tp": 2}), ("path", {"fp": 0, "tp": 2}), ("body", {"fp": 0, "tp": 1}),
    ]


def test_markdown_tables():
    md = E.markdown(E.evaluate(table(), 0.0, title="t"))
    assert md.startswith("## t\n")
    assert "| web | 5 | 4 | 75.00% | 40.00% | 60.00% | 66.67% | 25.00% |" in md
    assert "| fuzzdb | 0 | 3 | 66.67% | - | 100.00% | 80.00% | - |" in md
    assert "| benign_app | 3 | 0 | - | 33.33% | 0.00% | 0.00% | 50.00% |" in md
    assert "| sqli | 2 | 1 | 50.00% |" in md and "| whole | 3 | 2 | 66.67% |" in md
    assert "| true \\ named | sqli | xss | traversal | cmdi |" in md and "| xss | 1 | 0 | 0 | 0 |" in md
    assert "Category accuracy: 75.00% (3 of 4" in md
    assert "| user_agent | 2 | 0 |" in md
    many = [("s", 0, "", "", "g", -1.0, "", "path")] * 1234
    assert "| s | 1,234 | 0 | - | 0.00% | - | - | 0.00% |" in E.markdown(E.evaluate(table(many), 0.0))


def test_curves_include_benign_only_sources_against_all_attacks():
    names = [n for n, y, s in E._curves(table())]
    assert names == ["benign_app vs all attacks", "web", "all"]
    y = E._curves(table())[0][1]
    assert (y == 0).sum() == 3 and (y == 1).sum() == 7


def test_figures_are_png(tmp_path):
    r = E.evaluate(table(), 0.0, out_dir=tmp_path / "figs", title="t")
    assert r["figures"] == ["score_hist.png", "roc.png", "pr.png"]
    for name in r["figures"]:
        assert (tmp_path / "figs" / name).read_bytes()[:8] == PNG
    assert E.evaluate(table(), 0.0)["figures"] == []


def test_save_load_round_trip(tmp_path):
    t = table()
    E.save_table(t, tmp_path / "t.npz")
    u = E.load_table(tmp_path / "t.npz")
    for f in ("source", "label", "true_category", "true_part", "group", "score", "pred_category", "pred_part"):
        assert np.array_equal(getattr(t, f), getattr(u, f)), f
    assert u.source.dtype.kind == "U" and u.label.dtype == np.int8 and u.score.dtype == np.float64


def test_concat_and_subset():
    t = table()
    web = t.subset(t.source == "web")
    rest = t.subset(t.source != "web")
    assert len(web) == 9 and len(rest) == 6
    both = EvalTable.concat([web, rest])
    assert E.evaluate(both, 0.0)["per_source"] == E.evaluate(t, 0.0)["per_source"]
    with pytest.raises(ValueError):
        EvalTable(source=np.array(["a"]), label=np.array([0, 1]), true_category=np.array([""]),
                  true_part=np.array([""]), group=np.array(["g"]), score=np.array([0.0]),
                  pred_category=np.array([""]), pred_part=np.array([""]))


def test_cli_writes_reports_and_figures(tmp_path):
    E.save_table(table(), tmp_path / "t.npz")
    out = tmp_path / "out"
    assert E.main(["--table", str(tmp_path / "t.npz"), "--threshold", "0", "--out", str(out), "--title", "cli"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["threshold"] == 0.0 and rep["title"] == "cli"
    assert rep["per_source"]["all"]["tp"] == 5 and rep["per_source"]["all"]["fp"] == 3
    assert "| web | 5 | 4 | 75.00% |" in (out / "report.md").read_text()
    assert all((out / f).read_bytes()[:8] == PNG for f in rep["figures"])
