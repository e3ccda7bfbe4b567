"""A path ending in a folder's name (``out/``, ``m.safetensors/.``), which ``open(path, "wb")``
refuses: ``write_atomic`` resolved it with ``realpath``, which drops the ending, and wrote the
file ``out``, or replaced the model file ``m.safetensors`` named before the slash."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import save_checkpoint


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)


def _trained() -> nonlin.Sequential:
    model = _model()
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("ending", ["/", "/."])
def test_save_refuses_a_path_naming_a_folder_and_writes_nothing(tmp_path, ending) -> None:
    old = tmp_path / "m.safetensors"
    nonlin.save(_model(), old)
    before = old.read_bytes()
    for path in (f"{old}{ending}", f"{tmp_path / 'new'}{ending}"):
        with pytest.raises(IsADirectoryError, match="Expected a file path"):
            nonlin.save(nonlin.Sequential([nonlin.Dense(5)]).build(3, seed=1), path)
        with pytest.raises(IsADirectoryError, match="names a folder"):
            save_checkpoint(_trained(), path, epoch=1)
    assert old.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_dot_parts_inside_a_path_still_save(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    nonlin.save(_model(), f"{tmp_path}/sub/./../m.safetensors")
    assert nonlin.load(tmp_path / "m.safetensors").n_features_in == 3
