"""Loading from a binary file object reads it in stages, as a path is read (session 17).

``nonlin.load(f)`` / ``nonlin.sklearn.load(f)`` read the whole object (``f.read()``) before
any check: an endless stream (``/dev/zero`` opened unbuffered, a socket's file) used memory
until it ended. Now the 8-byte header length is read and checked first, then the header,
then exactly the bytes its tensors take and one more: an endless stream is refused after a
few KB, a stream with more bytes than its tensors as a longer file is. And
``load_checkpoint(io.BytesIO(...))`` / ``fit(resume_from=io.BytesIO(...))`` say that
checkpoints are read from paths only (``nonlin.load`` takes file objects).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import model_bytes
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from nonlin.io import ModelFileError

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.random.default_rng(1).normal(size=(6, 2))


class Endless(io.RawIOBase):
    """A stream that never ends: ``head``, then ``fill`` bytes for ever. Reading it to its
    end (``read()``, ``read(-1)``) never returns: here that raises, so that the test fails
    rather than hangs. ``served`` counts the bytes it gave."""

    def __init__(self, fill: bytes, head: bytes = b"") -> None:
        self.fill, self.head, self.served = fill, head, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise RuntimeError("an endless stream read to its end")
        size = min(size, 1 << 16)  # as a pipe gives: a part at a time
        chunk = self.head[self.served:self.served + size]
        chunk += self.fill * (size - len(chunk))
        self.served += len(chunk)
        return chunk


class Trickle(io.RawIOBase):
    """The bytes ``data``, one byte per read of a size, as a slow socket gives them
    (``read()``: the rest)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = len(self.data) if size is None or size < 0 else min(size, 1)
        chunk = self.data[self.at:self.at + size]
        self.at += len(chunk)
        return chunk


@pytest.mark.parametrize("fill", [b"\x00", b"\xff", b"\x01", b"{"])
def test_an_endless_stream_is_refused_after_a_few_bytes(fill: bytes) -> None:
    stream = Endless(fill)
    with pytest.raises(ModelFileError, match=r"^Cannot load model file '<Endless>': "):
        nonlin.load(stream)  # type: ignore[arg-type]
    assert stream.served <= 4096


def test_a_model_followed_by_an_endless_stream_is_refused_after_a_few_kb() -> None:
    data = model_bytes()
    stream = Endless(b"\x00", head=data)
    with pytest.raises(ModelFileError, match=r"the tensors describe \d+ bytes of data but the "
                                             r"file holds more than \d+; the file is truncated "
                                             r"or has bytes appended"):
        nonlin.load(stream)  # type: ignore[arg-type]
    assert stream.served <= len(data) + 8192


def test_the_estimators_load_refuses_an_endless_stream_too() -> None:
    nonlin_sklearn = pytest.importorskip("nonlin.sklearn")
    stream = Endless(b"\x00")
    with pytest.raises(ModelFileError, match=r"header length 0 is too short"):
        nonlin_sklearn.load(stream)
    assert stream.served <= 4096


def test_dev_zero_opened_unbuffered_is_refused() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with open("/dev/zero", "rb", buffering=0) as handle:
        with pytest.raises(ModelFileError, match=r"^Cannot load model file '/dev/zero': header "
                                                 r"length 0 is too short"):
            nonlin.load(handle)
        assert handle.tell() <= 4096


@pytest.mark.parametrize("extra", [1, 8, 4096, 4097, 100_000])
def test_bytes_after_the_tensors_are_refused_as_for_a_path(tmp_path: Path, extra: int) -> None:
    data = model_bytes() + b"\x00" * extra
    path = tmp_path / "long.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as from_path:
        nonlin.load(path)
    with pytest.raises(ModelFileError, match="has bytes appended") as from_buffer:
        nonlin.load(io.BytesIO(data))
    if extra <= 4096:  # a short trailer is read to its end: the path's message word for word
        assert from_buffer.value.reason == from_path.value.reason


def test_a_stream_giving_a_byte_per_read_loads_and_stops_at_the_models_end() -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(3, seed=0)
    data = model_bytes(model)
    stream = Trickle(data)
    loaded = nonlin.load(stream)  # type: ignore[arg-type]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert stream.at == len(data)


def test_a_buffer_holding_two_models_is_refused_as_a_file_holding_two() -> None:
    data = model_bytes()
    with pytest.raises(ModelFileError, match="has bytes appended"):
        nonlin.load(io.BytesIO(data + data))


# -- checkpoints are read from paths only ---------------------------------------------------
def _checkpoint(tmp_path: Path) -> tuple[nonlin.Sequential, bytes]:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)
    return model, (tmp_path / "ck.safetensors").read_bytes()


_PATHS_ONLY = (r"Expected a checkpoint file path \(a str, bytes or os\.PathLike\): checkpoints "
               r"are read from paths only\. Received a file object, {}: .*nonlin\.load\(f\)")


def test_load_checkpoint_refuses_a_file_object_naming_it(tmp_path: Path) -> None:
    _, data = _checkpoint(tmp_path)
    with pytest.raises(TypeError, match=_PATHS_ONLY.format("BytesIO")):
        load_checkpoint(io.BytesIO(data))  # type: ignore[arg-type]
    with open(tmp_path / "ck.safetensors", "rb") as handle:
        named = _PATHS_ONLY.format(r"BufferedReader \('.*ck\.safetensors'\)")
        with pytest.raises(TypeError, match=named):
            load_checkpoint(handle)  # type: ignore[arg-type]
    assert isinstance(nonlin.load(io.BytesIO(data)), nonlin.Sequential)  # what it points to


@pytest.mark.parametrize("compiled", [True, False])
def test_fit_resume_from_a_file_object_says_paths_only(tmp_path: Path, compiled: bool) -> None:
    model, data = _checkpoint(tmp_path)
    fresh: Any = nonlin.Sequential([nonlin.Dense(2)])
    if compiled:
        fresh.compile("sgd", "mse")
    with pytest.raises(TypeError, match=_PATHS_ONLY.format("BytesIO")):
        fresh.fit(X, Y, epochs=2, verbose=0, resume_from=io.BytesIO(data))
