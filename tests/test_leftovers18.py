"""Leftovers of session 18: checkpoints written to file objects, Keras' schedule signatures.

- ``save_checkpoint(model, io.BytesIO(), epoch=1)`` and ``ModelCheckpoint(io.BytesIO())``
  said "Expected a file path ... Received: path=<_io.BytesIO object at 0x...>", as for any
  wrong value; they now say that checkpoints are written to paths only, atomically, and
  that ``nonlin.save`` takes file objects, as ``load_checkpoint`` says for reading.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.random.default_rng(1).normal(size=(6, 2))

_WRITTEN = (r"^Expected a checkpoint file path \(a str, bytes or os\.PathLike\): checkpoints are "
            r"written to paths only, atomically \(a temporary file next to the path, then "
            r"renamed over it\)\. Received a file object, {}: pass a path, or save the model "
            r"alone, without its training state, with nonlin\.save\(model, f\), which takes "
            r"file objects$")


def _fitted() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("target, named", [
    (io.BytesIO(), "BytesIO"), (io.StringIO(), "StringIO")])
def test_save_checkpoint_to_a_file_object_says_checkpoints_take_paths(
        target: Any, named: str) -> None:
    with pytest.raises(TypeError, match=_WRITTEN.format(named)):
        save_checkpoint(_fitted(), target, epoch=1)
    assert target.getvalue() in (b"", "")


def test_save_checkpoint_to_an_open_file_names_it(tmp_path: Path) -> None:
    model = _fitted()
    with open(tmp_path / "ck.safetensors", "wb") as handle:
        with pytest.raises(TypeError, match=_WRITTEN.format(
                r"BufferedWriter \('.*ck\.safetensors'\)")):
            save_checkpoint(model, handle, epoch=1)
    assert (tmp_path / "ck.safetensors").read_bytes() == b""
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)  # its path is taken
    assert load_checkpoint(tmp_path / "ck.safetensors").epoch == 1
    buffer = io.BytesIO()
    nonlin.save(model, buffer)  # what the message points to
    assert nonlin.load(io.BytesIO(buffer.getvalue())).get_weights()[0].shape == (3, 2)


@pytest.mark.parametrize("keyword", ["filepath", "path"])
def test_model_checkpoint_refuses_a_file_object_as_save_checkpoint_does(keyword: str) -> None:
    with pytest.raises(TypeError, match=_WRITTEN.format("BytesIO")):
        ModelCheckpoint(**{keyword: io.BytesIO()})


def test_other_wrong_paths_keep_their_message() -> None:
    with pytest.raises(TypeError, match=r"^Expected a file path \(a str, bytes or "
                                        r"os\.PathLike\)\. Received: path=3$"):
        save_checkpoint(_fitted(), 3, epoch=1)  # type: ignore[arg-type]
