import json
import struct
import zlib

import lz4.frame
import numpy as np
import pytest
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC, LinearSVC

from training.convert import from_estimator
from training.model_format import (
    FILE_MAGIC,
    ModelFormatError,
    SVMModel,
    decode,
    encode,
    encode_payload,
    read_model,
    write_model,
)

FC = {"dim": 16, "ngrams": [1, 2, 3], "seed": 7}


def _data(n=120, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, dim)).astype(np.float32)
    y = (x[:, 0] + 0.3 * rng.random(n) > 0.6).astype(int)
    return x, y


def _rbf_model(**kw):
    rng = np.random.default_rng(1)
    return SVMModel(
        kernel="rbf",
        gamma=0.5,
        support_vectors=rng.random((5, 16)),
        dual_coef=rng.standard_normal(5),
        intercept=-0.25,
        threshold=0.1,
        feature_config=FC,
        **kw,
    )


def test_rbf_model_round_trips_through_the_reader(tmp_path):
    m = _rbf_model(name="t", training={"note": "ü"})
    size = write_model(m, tmp_path / "a.model")
    assert size == (tmp_path / "a.model").stat().st_size
    back = read_model(tmp_path / "a.model")
    assert back.kernel == "rbf" and back.gamma == 0.5 and back.n_sv == 5 and back.dim == 16
    assert back.intercept == -0.25 and back.threshold == 0.1
    assert back.feature_config == FC and back.training == {"note": "ü"}
    np.testing.assert_array_equal(back.support_vectors, m.support_vectors)
    np.testing.assert_array_equal(back.dual_coef, m.dual_coef)


def test_linear_model_round_trips_with_no_support_vectors(tmp_path):
    w = np.arange(16, dtype=np.float32) - 8
    m = SVMModel(kernel="linear", weights=w, intercept=0.5, threshold=0.0, feature_config=FC)
    write_model(m, tmp_path / "l.model")
    back = read_model(tmp_path / "l.model")
    assert back.kernel == "linear" and back.n_sv == 0 and back.gamma is None
    np.testing.assert_array_equal(back.weights, w)
    x = np.ones((1, 16), np.float32)
    assert back.decision_function(x)[0] == pytest.approx(float(w.sum()) + 0.5)


def test_payload_layout_matches_the_documented_fields():
    m = _rbf_model()
    p = encode_payload(m)
    assert p[:4] == b"ASVM"
    version, hlen = struct.unpack_from("<II", p, 4)
    assert version == 1
    header = json.loads(p[12 : 12 + hlen])
    assert header["kernel"] == "rbf" and header["n_sv"] == 5 and header["dim"] == 16
    assert header["feature_config"] == FC
    off = 12 + hlen + (-(12 + hlen)) % 4
    assert off % 4 == 0
    sv = np.frombuffer(p, "<f4", 5 * 16, off).reshape(5, 16)
    np.testing.assert_array_equal(sv, m.support_vectors)
    dc = np.frombuffer(p, "<f4", 5, off + 4 * 80)
    norms = np.frombuffer(p, "<f4", 5, off + 4 * 85)
    np.testing.assert_array_equal(dc, m.dual_coef)
    np.testing.assert_allclose(norms, (m.support_vectors.astype(np.float64) ** 2).sum(1), rtol=1e-6)
    assert len(p) == off + 4 * 90 + 4
    assert struct.unpack_from("<I", p, len(p) - 4)[0] == zlib.crc32(p[:-4])


@pytest.mark.parametrize("name_len", range(4))
def test_padding_aligns_arrays_for_every_header_length(name_len):
    m = _rbf_model(name="x" * name_len)
    p = encode_payload(m)
    hlen = struct.unpack_from("<I", p, 8)[0]
    pad = (-(12 + hlen)) % 4
    assert p[12 + hlen : 12 + hlen + pad] == b"\x00" * pad
    assert decode(encode(m)).name == "x" * name_len


def test_file_is_magic_then_one_checksummed_sized_lz4_frame():
    data = encode(_rbf_model())
    assert data[:8] == FILE_MAGIC == b"ASVMLZ4\x00"
    frame = data[8:]
    assert frame[:4] == b"\x04\x22\x4d\x18"
    flg = frame[4]
    assert flg & 0x04, "content checksum flag"
    assert flg & 0x08, "content size field"
    content_size = struct.unpack_from("<Q", frame, 6)[0]
    assert content_size == len(lz4.frame.decompress(frame))


def test_reader_refuses_a_corrupt_byte_in_the_frame():
    data = bytearray(encode(_rbf_model()))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(ModelFormatError):
        decode(bytes(data))


def test_reader_refuses_a_payload_whose_crc_does_not_match():
    p = bytearray(encode_payload(_rbf_model()))
    p[-10] ^= 0x01  # inside the arrays; recompress so only the inner crc32 catches it
    data = FILE_MAGIC + lz4.frame.compress(bytes(p), content_checksum=True)
    with pytest.raises(ModelFormatError, match="crc32"):
        decode(data)


def test_reader_refuses_bad_magic_trailing_bytes_and_truncation():
    data = encode(_rbf_model())
    with pytest.raises(ModelFormatError, match="magic"):
        decode(b"XSVMLZ4\x00" + data[8:])
    with pytest.raises(ModelFormatError):
        decode(data + b"\x00")
    with pytest.raises(ModelFormatError):
        decode(data[:-5])


def test_reader_refuses_a_frame_without_content_checksum():
    payload = encode_payload(_rbf_model())
    with pytest.raises(ModelFormatError, match="checksum"):
        decode(FILE_MAGIC + lz4.frame.compress(payload, content_checksum=False))


def test_reader_refuses_sv_norms_that_disagree_with_the_vectors():
    m = _rbf_model()
    p = bytearray(encode_payload(m))
    hlen = struct.unpack_from("<I", p, 8)[0]
    off = 12 + hlen + (-(12 + hlen)) % 4 + 4 * 85
    struct.pack_into("<f", p, off, 123.0)
    body = bytes(p[:-4])
    p = body + struct.pack("<I", zlib.crc32(body))
    with pytest.raises(ModelFormatError, match="sv_norms"):
        decode(FILE_MAGIC + lz4.frame.compress(p, content_checksum=True))


@pytest.mark.parametrize(
    "make",
    [
        lambda: SVC(kernel="rbf", gamma=0.7, C=2.0),
        lambda: SVC(kernel="linear", C=0.5),
        lambda: LinearSVC(C=1.0),
        lambda: make_pipeline(Nystroem(gamma=0.7, n_components=30, random_state=0), LinearSVC(C=1.0)),
    ],
)
def test_written_model_reproduces_sklearn_decision_function(tmp_path, make):
    x, y = _data()
    est = make().fit(x, y)
    write_model(from_estimator(est, feature_config=FC, threshold=0.0), tmp_path / "m.model")
    back = read_model(tmp_path / "m.model")
    xt, _ = _data(40, seed=5)
    expected = est.decision_function(xt.astype(np.float64))
    for dtype in (np.float64, np.float32):
        got = back.decision_function(xt, dtype=dtype)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_converter_refuses_labels_other_than_zero_and_one():
    x, y = _data()
    est = LinearSVC().fit(x, y + 1)
    with pytest.raises(ValueError, match="classes"):
        from_estimator(est, feature_config=FC, threshold=0.0)
