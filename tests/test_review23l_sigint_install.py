"""train_on_batch installs its SIGINT guard within the step's cleanup: a Ctrl-C that lands
while the guard is being put in place (before it defers anything) leaves the model as the
call found it (no fit marked running, the optimizer's finite check off), as before the
guard was installed through signal's C functions."""

from __future__ import annotations

import signal
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _interrupt


class _CtrlCWhileInstalling:
    """``signal``'s C functions, with a Ctrl-C landing in ``getsignal``."""

    def getsignal(self, signum: int) -> Any:
        raise KeyboardInterrupt

    def signal(self, signum: int, handler: Any) -> Any:
        return signal.signal(signum, handler)


def test_ctrl_c_while_the_guard_is_installed_leaves_the_model_trainable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4)), rng.integers(0, 2, 8)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(4, seed=0)
    model.compile(nonlin.SGD(lr=0.1), "cross_entropy")
    model.train_on_batch(X, y)
    monkeypatch.setattr(_interrupt, "_raw_signal", _CtrlCWhileInstalling(), raising=False)
    monkeypatch.setattr(signal, "getsignal", _CtrlCWhileInstalling().getsignal)  # before it
    with pytest.raises(KeyboardInterrupt):
        model.train_on_batch(X, y)
    monkeypatch.undo()
    assert "_fit_running" not in vars(model)
    assert model.optimizer.check_finite is False
    assert np.isfinite(model.train_on_batch(X, y))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
