"""training.datasets on a small data directory of its own (never the shipped 120 MB)."""

from __future__ import annotations

import hashlib
import lzma
from pathlib import Path

import pytest

from training import datasets
from training.datasets import DataError, all_files, data_file

ROWS = {
    name: "".join(f'{{"id": "{name}:{i}", "source": "{name}", "label": "normal"}}\n' for i in range(50)).encode()
    for name in datasets.NAMES
}


def make_data_dir(root: Path, rows: dict[str, bytes] = ROWS, sums: dict[str, bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    sums = rows if sums is None else sums
    for name, content in rows.items():
        (root / f"{name}.jsonl.xz").write_bytes(lzma.compress(content, preset=1))
    (root / "SHA256SUMS").write_text(
        "".join(f"{hashlib.sha256(c).hexdigest()}  {n}.jsonl\n" for n, c in sorted(sums.items()))
    )
    return root


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    root = make_data_dir(tmp_path / "data")
    monkeypatch.setattr(datasets, "DATA_DIR", root)  # the module-level override
    return root


def test_round_trip(data_dir):
    path = data_file("csic2010")
    assert path == data_dir / ".cache" / "csic2010.jsonl"
    assert path.read_bytes() == ROWS["csic2010"]
    stamp = data_dir / ".cache" / "csic2010.jsonl.ok"
    assert stamp.read_text().split()[0] == hashlib.sha256(ROWS["csic2010"]).hexdigest()
    assert not [p for p in (data_dir / ".cache").iterdir() if p.name.endswith(".tmp")]


def test_all_files_sorted_and_explicit_dir(tmp_path):
    root = make_data_dir(tmp_path / "elsewhere")
    paths = all_files(root)
    assert [p.name for p in paths] == sorted(f"{n}.jsonl" for n in datasets.NAMES)
    assert all(p.read_bytes() == ROWS[p.stem] for p in paths)


def test_checksum_mismatch_names_the_file(tmp_path):
    sums = dict(ROWS, fuzzdb=b"something else\n")
    root = make_data_dir(tmp_path / "data", sums=sums)
    with pytest.raises(DataError, match=r"fuzzdb\.jsonl"):
        data_file("fuzzdb", root)
    cache = root / ".cache"
    assert not (cache / "fuzzdb.jsonl").exists()
    assert not list(cache.glob("*.tmp"))  # the temporary file is removed


def test_missing_xz_names_the_file(data_dir):
    (data_dir / "httpparams.jsonl.xz").unlink()
    with pytest.raises(DataError, match=r"httpparams\.jsonl\.xz"):
        data_file("httpparams")


def test_missing_sums_is_an_error(data_dir):
    (data_dir / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match="SHA256SUMS"):
        data_file("csic2010")


def test_stamp_makes_second_call_skip_hashing(data_dir, monkeypatch):
    first = data_file("fwaf_bad")

    def no_hashing(path):
        raise AssertionError(f"hashed {path} again")

    monkeypatch.setattr(datasets, "_sha256_file", no_hashing)
    monkeypatch.setattr(datasets.lzma, "open", no_hashing)
    assert data_file("fwaf_bad") == first


def test_cache_without_stamp_is_hashed_once(data_dir, monkeypatch):
    path = data_file("elastic_apache")
    (data_dir / ".cache" / "elastic_apache.jsonl.ok").unlink()
    calls = []
    real = datasets._sha256_file
    monkeypatch.setattr(datasets, "_sha256_file", lambda p: calls.append(p) or real(p))
    assert data_file("elastic_apache") == path
    assert data_file("elastic_apache") == path
    assert calls == [path]


def test_damaged_cache_is_unpacked_again(data_dir):
    path = data_file("csic2010")
    path.write_bytes(b"tampered\n")
    assert data_file("csic2010").read_bytes() == ROWS["csic2010"]


def test_cli_prints_one_path_per_line(data_dir, capsys):
    assert datasets.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [str(data_dir / ".cache" / f"{n}.jsonl") for n in sorted(datasets.NAMES)]
    assert datasets.main(["--data-dir", str(data_dir), "nope"]) == 1
    assert "nope.jsonl" in capsys.readouterr().err
