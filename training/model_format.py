"""Writer and reader of the `.model` file format, version 1 (see docs/MODEL_FORMAT.md).

Outer container: 8-byte magic ``ASVMLZ4\\0`` followed by exactly one LZ4 frame (content checksum on,
content size stored). The decoded payload is::

    b"ASVM" | u32 version | u32 header_len | header JSON (UTF-8) | 0-3 zero bytes of padding
    | float32 support_vectors[n_sv, dim] | float32 dual_coef[n_sv] | float32 sv_norms[n_sv]
    | float32 weights[dim] (linear only) | u32 crc32 of everything before it

all little-endian. The reader here is the Python reference of the Swift reader: it refuses what the
Swift reader must refuse, so the tests of the writer double as executable documentation.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lz4.frame
import numpy as np

FILE_MAGIC = b"ASVMLZ4\x00"
PAYLOAD_MAGIC = b"ASVM"
FORMAT_VERSION = 1
KERNELS = ("rbf", "linear")


class ModelFormatError(ValueError):
    """A model file is truncated, corrupt, or not of format version 1."""


@dataclass
class SVMModel:
    """An SVM decision function in the form the service evaluates.

    ``kernel == "rbf"``: ``f(x) = sum_i dual_coef[i] * exp(-gamma * ||x - sv_i||^2) + intercept``.
    ``kernel == "linear"``: ``f(x) = weights . x + intercept``. Positive means attack.
    """

    kernel: str
    intercept: float
    threshold: float
    feature_config: dict[str, Any]
    gamma: float | None = None
    support_vectors: np.ndarray | None = None  # float32 [n_sv, dim]
    dual_coef: np.ndarray | None = None  # float32 [n_sv]
    weights: np.ndarray | None = None  # float32 [dim]
    # part models (http-parts-v3): one-vs-rest attack categories of the deciding part
    categories: list[str] = field(default_factory=list)
    category_intercepts: np.ndarray | None = None  # float32 [k]
    category_weights: np.ndarray | None = None  # float32 [k, dim]
    dim: int = 0
    name: str = "model"
    version: str = "0"
    trained_at: str = ""
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kernel not in KERNELS:
            raise ValueError(f"unknown kernel {self.kernel!r}")
        if self.kernel == "rbf":
            if self.gamma is None or not self.gamma > 0:
                raise ValueError("an rbf model needs gamma > 0")
            sv = np.ascontiguousarray(self.support_vectors, dtype=np.float32)
            dc = np.ascontiguousarray(self.dual_coef, dtype=np.float32).reshape(-1)
            if sv.ndim != 2 or sv.shape[0] != dc.shape[0] or sv.shape[0] == 0:
                raise ValueError(f"support vectors {sv.shape} and dual coefficients {dc.shape} disagree")
            self.support_vectors, self.dual_coef = sv, dc
            self.dim = int(sv.shape[1])
            self.weights = None
        else:
            w = np.ascontiguousarray(self.weights, dtype=np.float32).reshape(-1)
            if w.shape[0] == 0:
                raise ValueError("a linear model needs weights")
            self.weights = w
            self.dim = int(w.shape[0])
            self.support_vectors = np.zeros((0, self.dim), dtype=np.float32)
            self.dual_coef = np.zeros(0, dtype=np.float32)
            self.gamma = None
        k = len(self.categories)
        if k and self.kernel != "linear":
            raise ValueError("categories need a linear model")
        cw = np.zeros((0, self.dim), np.float32) if not k else self.category_weights
        self.category_weights = np.ascontiguousarray(cw, dtype=np.float32).reshape(k, self.dim)
        ci = np.zeros(0) if not k else self.category_intercepts
        self.category_intercepts = np.ascontiguousarray(ci, dtype=np.float32).reshape(k)

    @property
    def n_sv(self) -> int:
        return int(self.support_vectors.shape[0])

    @property
    def sv_norms(self) -> np.ndarray:
        """``||sv_i||^2`` in float64 of the stored float32 vectors, rounded to float32."""
        sv = self.support_vectors.astype(np.float64)
        return np.einsum("ij,ij->i", sv, sv).astype(np.float32)

    def header(self) -> dict[str, Any]:
        h: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "kernel": self.kernel,
        }
        if self.kernel == "rbf":
            h["gamma"] = float(self.gamma)
        h.update(
            {
                "intercept": float(self.intercept),
                "threshold": float(self.threshold),
                "n_sv": self.n_sv,
                "dim": self.dim,
                "feature_config": self.feature_config,
                **({"categories": list(self.categories),
                    "category_intercepts": [float(v) for v in self.category_intercepts]} if self.categories else {}),
                "trained_at": self.trained_at,
                "training": self.training,
            }
        )
        return h

    def decision_function(self, x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Decision values of ``x`` ([n, dim] or [dim]) from the stored (float32) parameters.

        ``dtype=np.float32`` mimics a single-precision BLAS scorer (norms + one GEMM).
        """
        x = np.atleast_2d(np.asarray(x)).astype(dtype)
        if x.shape[1] != self.dim:
            raise ValueError(f"features have dimension {x.shape[1]}, the model {self.dim}")
        if self.kernel == "linear":
            return (x @ self.weights.astype(dtype) + dtype(self.intercept)).astype(np.float64)
        sv = self.support_vectors.astype(dtype)
        xn = np.einsum("ij,ij->i", x, x)
        d2 = xn[:, None] + self.sv_norms.astype(dtype)[None, :] - dtype(2) * (x @ sv.T)
        np.maximum(d2, 0, out=d2)
        k = np.exp(-dtype(self.gamma) * d2)
        return (k @ self.dual_coef.astype(dtype) + dtype(self.intercept)).astype(np.float64)

    def is_anomalous(self, x: np.ndarray) -> np.ndarray:
        return self.decision_function(x) > self.threshold


def encode_payload(model: SVMModel) -> bytes:
    """The uncompressed payload, crc32 included."""
    header = json.dumps(model.header(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    hb = header.encode("utf-8")
    parts = [PAYLOAD_MAGIC, struct.pack("<II", FORMAT_VERSION, len(hb)), hb]
    pad = (-(12 + len(hb))) % 4
    parts.append(b"\x00" * pad)
    parts.append(model.support_vectors.astype("<f4", copy=False).tobytes(order="C"))
    parts.append(model.dual_coef.astype("<f4", copy=False).tobytes())
    parts.append(model.sv_norms.astype("<f4", copy=False).tobytes())
    if model.kernel == "linear":
        parts.append(model.weights.astype("<f4", copy=False).tobytes())
        parts.append(model.category_weights.astype("<f4", copy=False).tobytes(order="C"))
    body = b"".join(parts)
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def encode(model: SVMModel) -> bytes:
    payload = encode_payload(model)
    frame = lz4.frame.compress(
        payload,
        compression_level=lz4.frame.COMPRESSIONLEVEL_MINHC,
        content_checksum=True,
        store_size=True,
        return_bytearray=False,
    )
    return FILE_MAGIC + frame


def write_model(model: SVMModel, path: str | Path) -> int:
    """Writes ``model`` to ``path`` atomically (temp file + rename); returns the file size."""
    data = encode(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return len(data)


def _frame_info(frame: bytes) -> tuple[bool, int | None]:
    """(content checksum flag, content size or None) from an LZ4 frame descriptor."""
    if len(frame) < 7 or frame[:4] != b"\x04\x22\x4d\x18":
        raise ModelFormatError("not an LZ4 frame")
    flg = frame[4]
    if (flg >> 6) != 1:
        raise ModelFormatError("unsupported LZ4 frame version")
    has_checksum = bool(flg & 0x04)
    size = struct.unpack_from("<Q", frame, 6)[0] if flg & 0x08 else None
    return has_checksum, size


def decode(data: bytes) -> SVMModel:
    if data[:8] != FILE_MAGIC:
        raise ModelFormatError("bad file magic")
    frame = data[8:]
    has_checksum, content_size = _frame_info(frame)
    if not has_checksum:
        raise ModelFormatError("LZ4 frame has no content checksum")
    if content_size is None:
        raise ModelFormatError("LZ4 frame has no content size")
    try:
        ctx = lz4.frame.create_decompression_context()
        payload, consumed, eof = lz4.frame.decompress_chunk(ctx, frame)
    except RuntimeError as e:  # lz4 raises RuntimeError on corrupt frames and checksum failures
        raise ModelFormatError(f"LZ4 frame does not decode: {e}") from e
    if not eof:
        raise ModelFormatError("LZ4 frame is truncated")
    if consumed != len(frame):
        raise ModelFormatError("bytes follow the LZ4 frame")
    if len(payload) != content_size:
        raise ModelFormatError("decoded size differs from the frame's content size")
    return decode_payload(payload)


def decode_payload(payload: bytes) -> SVMModel:
    if len(payload) < 16 or payload[:4] != PAYLOAD_MAGIC:
        raise ModelFormatError("bad payload magic")
    (crc,) = struct.unpack_from("<I", payload, len(payload) - 4)
    if zlib.crc32(payload[:-4]) & 0xFFFFFFFF != crc:
        raise ModelFormatError("crc32 mismatch")
    version, header_len = struct.unpack_from("<II", payload, 4)
    if version != FORMAT_VERSION:
        raise ModelFormatError(f"format version {version} is not {FORMAT_VERSION}")
    if 12 + header_len > len(payload) - 4:
        raise ModelFormatError("header runs past the payload")
    try:
        h = json.loads(payload[12 : 12 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFormatError(f"header is not JSON: {e}") from e
    off = 12 + header_len
    pad = (-off) % 4
    if payload[off : off + pad] != b"\x00" * pad:
        raise ModelFormatError("non-zero padding")
    off += pad
    kernel, n_sv, dim = h.get("kernel"), int(h["n_sv"]), int(h["dim"])
    if kernel not in KERNELS or dim <= 0 or n_sv < 0 or (kernel == "linear") != (n_sv == 0):
        raise ModelFormatError(f"inconsistent header: kernel={kernel} n_sv={n_sv} dim={dim}")
    categories = list(h.get("categories", []))
    k = len(categories)
    n_floats = n_sv * dim + 2 * n_sv + (dim if kernel == "linear" else 0) + k * dim
    if off + 4 * n_floats != len(payload) - 4:
        raise ModelFormatError("array section size disagrees with n_sv and dim")
    arr = np.frombuffer(payload, dtype="<f4", count=n_floats, offset=off).astype(np.float32)
    sv = arr[: n_sv * dim].reshape(n_sv, dim)
    dc = arr[n_sv * dim : n_sv * dim + n_sv]
    norms = arr[n_sv * dim + n_sv : n_sv * dim + 2 * n_sv]
    w0 = n_sv * dim + 2 * n_sv
    w = arr[w0 : w0 + dim] if kernel == "linear" else None
    cw = arr[n_floats - k * dim :].reshape(k, dim)
    if not np.all(np.isfinite(arr)):
        raise ModelFormatError("non-finite value in the arrays")
    model = SVMModel(
        kernel=kernel,
        intercept=float(h["intercept"]),
        threshold=float(h["threshold"]),
        feature_config=h["feature_config"],
        gamma=h.get("gamma"),
        support_vectors=sv if kernel == "rbf" else None,
        dual_coef=dc if kernel == "rbf" else None,
        weights=w,
        categories=categories,
        category_intercepts=np.asarray(h.get("category_intercepts", []), dtype=np.float32),
        category_weights=cw,
        name=h.get("name", ""),
        version=h.get("version", ""),
        trained_at=h.get("trained_at", ""),
        training=h.get("training", {}),
    )
    if n_sv and not np.allclose(model.sv_norms, norms, rtol=1e-3, atol=1e-6):
        raise ModelFormatError("stored sv_norms disagree with the support vectors")
    return model


def read_model(path: str | Path) -> SVMModel:
    return decode(Path(path).read_bytes())


def read_header(path: str | Path) -> dict[str, Any]:
    """The header JSON of a model file (decodes the frame, checks nothing else)."""
    payload = lz4.frame.decompress(Path(path).read_bytes()[8:])
    (header_len,) = struct.unpack_from("<I", payload, 8)
    return json.loads(payload[12 : 12 + header_len].decode("utf-8"))
