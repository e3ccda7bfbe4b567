"""Saving writes the weights once, straight into the file's buffer, and the bytes are
those the safetensors package writes (with the ``__metadata__`` keys sorted)."""

from __future__ import annotations

import hashlib
import json
import struct
import tracemalloc

import numpy as np
import safetensors.numpy

import nonlin
from io_helpers import small_model
from nonlin.io import to_bytes

# sha256 of to_bytes(small_model()) as nonlin wrote it through safetensors.numpy.save
OLD_SMALL_MODEL_SHA256 = "a7d5e7219b56bc33a9848254778497f03908f8a2afdf358c592eabefd0919a92"


def _reference(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The safetensors package's file for ``arrays``, its ``__metadata__`` keys sorted."""
    data = safetensors.numpy.save(
        {k: np.ascontiguousarray(v, v.dtype.newbyteorder("<")) for k, v in arrays.items()},
        metadata=metadata)
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + length :]


def test_saved_bytes_are_the_old_bytes_and_the_safetensors_package_bytes() -> None:
    assert hashlib.sha256(to_bytes(small_model())).hexdigest() == OLD_SMALL_MODEL_SHA256
    model = small_model(np.float32)
    rng = np.random.default_rng(0)
    extra = {  # mixed dtypes, a strided view, empty and 0-d arrays, unicode names
        "optimizer.m.0": rng.normal(size=(4, 6))[:, ::2],
        "b.é": rng.normal(size=5),
        "a": np.zeros((0, 3), np.float32), "z": np.float32(2.5) * np.ones(()),
    }
    header = {"checkpoint": '{"epoch":1}', "zz": "x", "aa": "y"}
    data = to_bytes(model, extra_tensors=extra, extra_header=header)
    arrays = {**nonlin.io.model_arrays(model), **extra}
    header_meta = json.loads(data[8 : 8 + struct.unpack("<Q", data[:8])[0]])["__metadata__"]
    assert data == _reference(arrays, header_meta)


def test_save_holds_one_copy_of_the_weights_at_most(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(1000), nonlin.ReLU(), nonlin.Dense(24)])
    model.build(1000, seed=0)  # about 8.2 MB of float64 weights
    size = sum(p.value.nbytes for p in model.parameters())
    nonlin.save(small_model(), tmp_path / "m.safetensors")  # imports done before measuring
    tracemalloc.start()
    try:
        nonlin.save(model, tmp_path / "m.safetensors")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * size  # was 2.0x: the package's bytes, then a sorted copy of them
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").get_weights()[0],
                                  model.get_weights()[0])
