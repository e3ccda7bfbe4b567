"""An integer beyond float64's range in a header field other than the metadata (an optimizer's
``ema_overwrite_frequency=10**400``, which its constructor takes): ``save`` wrote a compile
record (or checkpoint) that loading refused ("overflows to infinity"). The compile record now
leaves such an optimizer out with its warning, as any config that does not rebuild; a
checkpoint, which needs it, is refused before anything is written."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import save_checkpoint
from nonlin.io import to_bytes


def _trained() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    model.compile(loss="mse", optimizer=nonlin.optimizers.Adam(
        use_ema=True, ema_overwrite_frequency=10**400))
    model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    return model


def test_a_model_file_loads_without_the_optimizer_it_cannot_hold() -> None:
    model = _trained()
    with pytest.warns(UserWarning, match="leaves out optimizer=Adam"):
        data = to_bytes(model)
    loaded = nonlin.load(io.BytesIO(data))
    assert loaded.optimizer is None and loaded.loss is not None


def test_a_checkpoint_is_refused_and_the_old_one_kept(tmp_path) -> None:
    path = tmp_path / "c.safetensors"
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    save_checkpoint(model, path, epoch=1)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"Cannot store .* as JSON: number 1000.*overflows"):
        save_checkpoint(_trained(), path, epoch=1)
    assert path.read_bytes() == before
