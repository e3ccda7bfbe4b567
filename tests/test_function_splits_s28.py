"""Pins on the code that session 28 moved out of long functions into helpers
(``tests/test_function_length_s28.py``): the checks run in the same order and say the
same things, and ``nonlin train --plot`` still says the model is saved when the plot
cannot be written. These pass on the code before the split too."""

from __future__ import annotations

import errno
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nonlin import cli, plots
from nonlin.io import ModelFileError


def _fitted() -> Any:
    nls = pytest.importorskip("nonlin.sklearn")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nls.MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)


def _restore(est: Any, change: dict[str, Any], config: dict[str, Any] | None = None,
             arrays: dict[str, np.ndarray] | None = None) -> None:
    from nonlin._sklearn_optimizer_io import optimizer_record, restore_optimizer

    record, tensors = optimizer_record(est._optimizer, est.model_.dtype)
    record = {**record, **change, "config": {**record["config"], **(config or {})}}
    restore_optimizer(est, record, {**tensors, **(arrays or {})}, "est.safetensors")


@pytest.mark.parametrize(("change", "config", "bad_slot", "expected"), [
    ({"class_name": "RMSprop"}, None, False,
     "expected Adam or SGD as scikit-learn's. Received 'RMSprop'"),
    ({"class_name": "RMSprop", "steps": -1}, None, True,  # the solver, then slots, then steps
     "expected Adam or SGD as scikit-learn's. Received 'RMSprop'"),
    ({"class_name": "RMSprop"}, {"use_ema": True}, False,  # the moving average before the name
     "expected scikit-learn's RMSprop settings, which have no moving average. "
     "Received use_ema=True"),
    ({"steps": -1}, None, True, "expected tensor 'optimizer.m.0' of shape"),
    ({"steps": -1}, None, False, "expected steps >= 0. Received -1"),
    ({"steps": 3, "rule": {"kind": "fast"}}, None, False, "expected rule {'kind': one of"),
])
def test_a_hostile_optimizer_record_is_refused_by_its_first_fault(
        change: dict[str, Any], config: dict[str, Any] | None, bad_slot: bool,
        expected: str) -> None:
    est = _fitted()
    arrays = {"optimizer.m.0": np.zeros(2, est.model_.dtype)} if bad_slot else None
    with pytest.raises(ModelFileError, match="optimizer") as info:
        _restore(est, change, config, arrays)
    assert expected in str(info.value)


def test_a_sound_optimizer_record_is_restored_with_its_steps_and_rule() -> None:
    est = _fitted()
    rule = {"kind": "constant", "lr_init": 0.25, "power_t": 0.5}
    _restore(est, {"steps": 7, "rule": rule})
    assert est._optimizer.iterations == 7 and est._optimizer.rule == rule
    assert type(est._optimizer.inner).__name__ == "Adam"
    assert est._optimizer.inner.lr == est.learning_rate_init


def test_hidden_layer_sizes_are_checked_before_the_callbacks_and_the_data() -> None:
    nls = pytest.importorskip("nonlin.sklearn")
    est = nls.MLPRegressor(hidden_layer_sizes=(3, 0), max_iter=1)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be > 0, got \[3, 0\]\."):
        est._fit_validated(np.full((4, 2), np.nan), "not a target", None, False)


def test_a_plot_that_cannot_be_written_says_the_model_is_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")  # --plot
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.3f},{b:.3f},{int(a + b > 0)}" for a, b in rng.normal(size=(60, 2)))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(plots, "plot_history", refused)
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "2", "--quiet",
                     "--out", "m.safetensors", "--plot", "p.png"]) == 2
    captured = capsys.readouterr()
    assert "Saved m.safetensors" in captured.out
    assert captured.err.strip().endswith(
        "the model is saved to m.safetensors, but the plot could not be written to p.png "
        "(Permission denied)")
    assert (tmp_path / "m.safetensors").exists() and not (tmp_path / "p.png").exists()
