"""fit(resume_from=...) without optimizer= checks the instance model.compile was given against
the checkpoint's optimizer settings (as fit(optimizer=instance) was checked already); a name
given to compile gives no settings and resumes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.checkpoint import ModelCheckpoint

X = np.random.default_rng(0).normal(size=(12, 3))
Y = np.random.default_rng(1).normal(size=(12, 2))


def _model(optimizer: object) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.compile(optimizer, "mse")
    return model


def _checkpointed(tmp_path: Path) -> str:
    path = str(tmp_path / "ck.safetensors")
    _model(nonlin.Adam()).fit(X, Y, epochs=2, batch_size=4, verbose=0,
                              callbacks=[ModelCheckpoint(path)])
    return path


def test_a_compiled_instance_of_other_settings_is_refused(tmp_path: Path) -> None:
    path = _checkpointed(tmp_path)
    model = _model(nonlin.Adam(amsgrad=True))
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=re.escape(
            "Received: model.compile(optimizer=Adam(lr=0.001, beta_1=0.9, beta_2=0.999, "
            "epsilon=1e-08, amsgrad=True)). Compile it by name")) as info:
        model.fit(X, Y, epochs=3, verbose=0, resume_from=path)
    assert str(info.value).startswith("Expected a compiled optimizer given by name, or the ")
    for a, b in zip(model.get_weights(), before, strict=True):  # nothing changed
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.amsgrad and model.optimizer.iterations == 0
    with pytest.raises(ValueError, match="Compile it by name"):  # resume() checks it too
        nonlin.checkpoint.resume(model, path=path)


@pytest.mark.parametrize("optimizer", ["adam", nonlin.Adam(), nonlin.Adam(0.05)])
def test_a_name_or_the_same_settings_resume(tmp_path: Path, optimizer: object) -> None:
    path = _checkpointed(tmp_path)
    straight = _model(nonlin.Adam())
    straight.fit(X, Y, epochs=3, batch_size=4, verbose=0)
    model = _model(optimizer)  # a float rate is no setting compared: the checkpoint's goes on
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0, resume_from=path)
    for a, b in zip(model.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_fit_given_a_name_overrides_the_compiled_instance(tmp_path: Path) -> None:
    path = _checkpointed(tmp_path)
    model = _model(nonlin.Adam(amsgrad=True))
    model.fit(X, Y, optimizer="adam", epochs=3, batch_size=4, verbose=0, resume_from=path)
    assert model.optimizer.iterations == 9 and not model.optimizer.amsgrad
