"""The labelled training data shipped in ``data/`` (see data/README.md), unpacked on first use.

``data/<name>.jsonl.xz`` is decompressed once into ``data/.cache/<name>.jsonl`` (streamed, written
to a temporary file and renamed into place, so readers never see half a file) and checked against
``data/SHA256SUMS``. A small stamp ``data/.cache/<name>.jsonl.ok`` records the verified sha256 with
the file's size and modification time, so later calls cost one ``stat`` instead of a re-hash.

    python -m training.datasets            # unpacks all five, prints one path per line
    python -m training.datasets csic2010   # only the named ones

    from training.datasets import data_file
    rows = open(data_file("csic2010"), encoding="utf-8")
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import os
import sys
import tempfile
from pathlib import Path

NAMES: tuple[str, ...] = ("csic2010", "elastic_apache", "fuzzdb", "fwaf_bad", "httpparams")

# Where the .xz files and SHA256SUMS live; tests (or a relocated checkout) may point it elsewhere.
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"

_CHUNK = 1 << 20


class DataError(RuntimeError):
    """A shipped data file is missing or does not match data/SHA256SUMS."""


def _root(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else Path(DATA_DIR)


def _expected_sha256(root: Path, name: str) -> str:
    sums = root / "SHA256SUMS"
    try:
        lines = sums.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{sums} is missing: cannot verify {name}.jsonl") from None
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == f"{name}.jsonl":
            return parts[0].lower()
    raise DataError(f"{name}.jsonl is not listed in {sums}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_text(path: Path, sha: str) -> str:
    st = path.stat()
    return f"{sha} {st.st_size} {st.st_mtime_ns}\n"


def _stamp_valid(path: Path, stamp: Path, sha: str) -> bool:
    try:
        return stamp.read_text(encoding="ascii") == _stamp_text(path, sha)
    except (OSError, UnicodeDecodeError):
        return False


def _write_stamp(path: Path, stamp: Path, sha: str) -> None:
    tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
    tmp.write_text(_stamp_text(path, sha), encoding="ascii")
    os.replace(tmp, stamp)


def data_file(name: str, data_dir: Path | str | None = None) -> Path:
    """Path of the uncompressed, verified ``<name>.jsonl``, unpacking it if needed.

    Raises DataError (naming the file) when the .xz or SHA256SUMS is missing or the content does
    not match its checksum.
    """
    root = _root(data_dir)
    expected = _expected_sha256(root, name)
    cache = root / ".cache"
    target = cache / f"{name}.jsonl"
    stamp = cache / f"{name}.jsonl.ok"

    if target.is_file():
        if _stamp_valid(target, stamp, expected):
            return target
        if _sha256_file(target) == expected:
            _write_stamp(target, stamp, expected)
            return target
        # A stale or damaged copy: unpack again below.

    packed = root / f"{name}.jsonl.xz"
    if not packed.is_file():
        raise DataError(f"{packed} is missing (expected the shipped copy of {name}.jsonl)")

    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".jsonl.tmp", dir=cache)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, lzma.open(packed, "rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        got = digest.hexdigest()
        if got != expected:
            raise DataError(
                f"{packed}: unpacked {name}.jsonl has sha256 {got}, but SHA256SUMS says {expected}"
            )
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the cache is as readable as data/
        os.replace(tmp, target)
    except (lzma.LZMAError, EOFError) as e:
        tmp.unlink(missing_ok=True)
        raise DataError(f"{packed} is not a valid .xz file: {e}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_stamp(target, stamp, expected)
    return target


def all_files(data_dir: Path | str | None = None) -> list[Path]:
    """All five data files, unpacked and verified, sorted by name."""
    return [data_file(name, data_dir) for name in sorted(NAMES)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.datasets",
        description="Unpack and verify the shipped data sets; print one path per line.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"data sets (default: all of {', '.join(NAMES)})")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"default: {DATA_DIR}")
    args = parser.parse_args(argv)
    try:
        paths = [data_file(n, args.data_dir) for n in args.names] if args.names else all_files(args.data_dir)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
