"""Session 22 (left22c): ``save`` and checkpoint writes check the optimizer's and loss's
settings as ``fit`` does (a file of settings ``load`` refuses was written, or the optimizer
left out under a misleading warning), and the plain message for a setting that needs a slot
the first step did not make."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.io
from nonlin.callbacks import BackupAndRestore, Callback, ModelCheckpoint
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from nonlin.optimizers import Adam, RMSprop


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 3)), rng.standard_normal((32, 1))


def _fitted(optimizer: Any = None, loss: str = "mse") -> nonlin.Sequential:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)
    model.fit(X, y, loss=loss, optimizer=optimizer or Adam(), epochs=1, seed=0, verbose=0)
    return model


def _beta(model: nonlin.Sequential) -> None:
    model.optimizer.beta_1 = 1.5


def _amsgrad(model: nonlin.Sequential) -> None:
    model.optimizer.amsgrad = True  # after the first step made m and v


def _delta(model: nonlin.Sequential) -> None:
    model.loss.delta = -1.0


_CHANGES = [(_beta, "Adam", r"Expected beta_1 in \[0.0, 1.0\). Received: beta_1=1.5"),
            (_amsgrad, "Adam", r"Adam\(amsgrad=True\) needs the slot 'v_hat'"),
            (_delta, "huber", r"delta=-1.0")]


def _loss(name: str) -> str:
    return name if name == "huber" else "mse"


@pytest.mark.parametrize(("change", "name", "message"), _CHANGES)
def test_save_refuses_settings_load_refuses_and_leaves_the_file(
        tmp_path: Path, change: Any, name: str, message: str) -> None:
    # before: beta_1 and gamma were left out with a warning ("its config does not rebuild
    # it"), amsgrad wrote a file load refused (v_hat: 0 arrays)
    model = _fitted(loss=_loss(name))
    path = tmp_path / "m.safetensors"
    nonlin.save(model, path)
    before = path.read_bytes()
    change(model)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused, not left out with a warning
        for call in (lambda: nonlin.save(model, path), lambda: model.save(path),
                     lambda: nonlin.save(model, buffer), lambda: nonlin.io.to_bytes(model)):
            with pytest.raises(ValueError, match=message):
                call()
    assert path.read_bytes() == before and buffer.getvalue() == b""
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_save_without_the_optimizer_does_not_check_it(tmp_path: Path) -> None:
    model = _fitted()
    model.optimizer.beta_1 = 1.5
    nonlin.save(model, tmp_path / "m.safetensors", include_optimizer=False)
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.optimizer is None and loaded.loss is not None


@pytest.mark.parametrize(("change", "name", "message"), _CHANGES)
def test_save_checkpoint_refuses_settings_and_leaves_the_file(
        tmp_path: Path, change: Any, name: str, message: str) -> None:
    model = _fitted(loss=_loss(name))
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=1)
    before = path.read_bytes()
    change(model)
    with pytest.raises(ValueError, match=message):
        save_checkpoint(model, path, epoch=1)
    assert path.read_bytes() == before
    assert load_checkpoint(path).epoch == 1


class _SetAtEpoch(Callback):
    """A callback changing a setting at the end of epoch ``at`` (0-based)."""

    def __init__(self, at: int, change: Any) -> None:
        super().__init__()
        self.at, self.change = at, change

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if epoch == self.at:
            self.change(self.model)


@pytest.mark.parametrize("change", [_beta, _amsgrad])
def test_model_checkpoint_mid_fit_refuses_and_keeps_the_last_good_file(
        tmp_path: Path, change: Any) -> None:
    # before: c2 to c4 (beta_1) or c2 (amsgrad, then a KeyError 'v_hat') were written, and
    # load_checkpoint refused them
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    template = str(tmp_path / "c{epoch}.safetensors")
    with pytest.raises(ValueError, match="beta_1=1.5|'v_hat'"):
        model.fit(X, y, loss="mse", optimizer=Adam(), epochs=4, seed=0, verbose=0,
                  callbacks=[_SetAtEpoch(1, change), ModelCheckpoint(template)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c1.safetensors"]
    assert load_checkpoint(tmp_path / "c1.safetensors").epoch == 1


def test_backup_mid_fit_refuses_and_leaves_both_files(tmp_path: Path) -> None:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    backup = BackupAndRestore(tmp_path / "b", double_checkpoint=True)
    with pytest.raises(ValueError, match="beta_1=1.5"):
        model.fit(X, y, loss="mse", optimizer=Adam(), epochs=5, seed=0, verbose=0,
                  callbacks=[_SetAtEpoch(2, _beta), backup])
    latest, previous = tmp_path / "b" / "latest.safetensors", tmp_path / "b" / "_latest.safetensors"
    assert load_checkpoint(latest).epoch == 2 and load_checkpoint(previous).epoch == 1
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [previous.name, latest.name]


def test_slot_message_names_the_setting_and_what_to_do() -> None:
    # before: "Expected the settings Adam's slots (m, v) were made for at its first step.
    # Received Adam(lr=..., ...), which needs the slot 'v_hat': make a new optimizer ..."
    X, y = _data()
    model = _fitted()
    model.optimizer.amsgrad = True
    with pytest.raises(ValueError) as info:
        model.fit(X, y, epochs=1, verbose=0)
    assert str(info.value) == (
        "Adam(amsgrad=True) needs the slot 'v_hat', which this optimizer's first step did not "
        "make (it was made with amsgrad=False): make a new optimizer with these settings, or "
        "set amsgrad back")
    opt = RMSprop(0.01)
    model = _fitted(opt)
    opt.momentum, opt.centered, opt.use_ema = 0.5, True, True
    with pytest.raises(ValueError) as info:
        model.fit(X, y, epochs=1, verbose=0)
    assert str(info.value) == (
        "RMSprop(use_ema=True, momentum=0.5, centered=True) needs the slots 'momentum' and "
        "'average_gradient' and 'average', which this optimizer's first step did not make (it "
        "was made with use_ema=False, momentum=0.0, centered=False): make a new optimizer with "
        "these settings, or set use_ema and momentum and centered back")
