"""Review of the fit-plan split (session 29, ``nonlin._fit_plan.FitPlan``): guards for what
the split could break and ``test_fit_plan_s29`` does not pin.

Compared with the code before the split (both fits as one function each), over some 800
calls of ``fit`` (arrays, sequences, re-iterables, generators; refusals at each step;
resuming from checkpoints and backups; nested fits; errors and Ctrl-C in callbacks), the
split changes no outcome, message, warning location, return value or bit. These pin the
paths where it most easily could:

* the warning of a checkpoint's stopped epoch, raised with a fixed ``stacklevel`` in
  ``_epoch_state.stopped_epoch`` and right only while ``train._setup`` is called by
  ``train.fit`` itself, points at the caller's line;
* a Ctrl-C raised by a last check (a callback's ``_check_fit``, inside ``undone_if_refused``)
  leaves the model as it was (an unbuilt one unbuilt, its retry a fresh fit's bits);
* ``backup_resume`` (step 1) takes a ``BackupAndRestore`` given alone, in a tuple or from a
  generator as in a list: the resumed fit returns the whole curve, with an uninterrupted
  run's bits;
* a callback fitting another model changes neither fit.

A guard for a refactor has no failing-before test: these pass on the code before the split.

One fault found on the way, older than the split, whose new docstring repeats the claim ("a
call refused before ``start`` changes nothing of the model"): a refused first fit (or
``train_on_batch``) put the model back unbuilt but left its layers built for the refused
data (``summary`` of a model "Not built" counted their parameters). The last two tests fail
before the fix (``_fit_build._unbuilt_if_refused`` puts the layers back too).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin.callbacks import BackupAndRestore, Callback, EarlyStopping
from nonlin.checkpoint import ModelCheckpoint
from source_helpers import Seq, data
from test_side_effects import assert_unchanged, everything

X, Y = data(40, 3)
FIT: dict[str, Any] = {"loss": "cross_entropy", "optimizer": "adam", "verbose": 0}


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


def _batches(size: int = 8) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for i in range(0, len(X), size):
        yield X[i:i + size], Y[i:i + size]


def _x(form: str) -> dict[str, Any]:
    if form == "arrays":
        return {"x": X, "y": Y, "batch_size": 8}
    return {"x": Seq(X, Y, size=8) if form == "sequence" else _batches()}


def _same_weights(a: Sequential, b: Sequential) -> None:
    for got, want in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


class _Raise(Callback):
    """Raises ``error`` at the end of batch ``batch`` of epoch ``epoch`` (None: any)."""

    def __init__(self, error: type[BaseException], epoch: int | None = None,
                 batch: int | None = None) -> None:
        self.error, self.epoch, self.batch, self._now = error, epoch, batch, 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._now = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.batch == batch and self.epoch in (None, self._now):
            raise self.error("cut")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.batch is None and self.epoch == epoch:
            raise self.error("cut")


def test_the_warning_on_a_checkpoints_stopped_epoch_points_at_the_callers_line(
        tmp_path: Path) -> None:
    path = tmp_path / "mid.safetensors"
    with pytest.raises(KeyboardInterrupt):  # a checkpoint written mid-way through epoch 0
        _model().fit(X, Y, batch_size=8, epochs=3, seed=3, metrics=["accuracy"],
                     callbacks=[ModelCheckpoint(path, save_freq=1), _Raise(KeyboardInterrupt,
                                                                           batch=2)], **FIT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = _line() + 1
        got = _model().fit(X, Y, batch_size=8, epochs=3, verbose=0, metrics=[], resume_from=path)
    ours = [w for w in caught if "starts again from its first batch" in str(w.message)]
    assert ours and [(w.filename, w.lineno) for w in ours] == [(__file__, line)] * len(ours)
    assert got.epoch == [0, 1, 2]


def _line() -> int:
    import inspect

    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


class _CtrlCInCheck(EarlyStopping):
    """A built-in callback whose check before the fit (``_check_fit``) meets a Ctrl-C."""

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        raise KeyboardInterrupt("in the last check")


@pytest.mark.parametrize("form", ["arrays", "sequence", "generator"])
def test_a_ctrl_c_in_the_last_check_leaves_an_unbuilt_model_unbuilt(form: str) -> None:
    fresh = _model()
    fresh.fit(**_x(form), epochs=1, seed=7, **FIT)
    model = _model()
    with pytest.raises(KeyboardInterrupt, match="in the last check"):
        model.fit(**_x(form), epochs=1, seed=7, callbacks=[_CtrlCInCheck()], **FIT)
    assert not model.built and model.optimizer is None and model.loss is None
    model.fit(**_x(form), epochs=1, seed=7, **FIT)
    _same_weights(model, fresh)


@pytest.mark.parametrize("form", ["arrays", "sequence", "generator"])
def test_a_ctrl_c_in_the_last_check_changes_nothing_of_a_trained_model(form: str) -> None:
    model = _model()
    model.fit(X, Y, batch_size=8, epochs=2, seed=0, **FIT)
    before, optimizer, history = everything(model), model.optimizer, model.history
    with pytest.raises(KeyboardInterrupt, match="in the last check"):
        model.fit(**_x(form), epochs=2, seed=5, verbose=0, callbacks=[_CtrlCInCheck()])
    assert_unchanged(before, everything(model))
    assert model.optimizer is optimizer and model.history is history
    assert optimizer.iterations == 10 and not optimizer.check_finite
    assert not {"_fit_running", "_fit_metrics"} & set(vars(model))


@pytest.mark.parametrize("form", ["arrays", "sequence"])
@pytest.mark.parametrize("given", ["list", "tuple", "alone", "generator"])
def test_a_backup_given_in_any_form_resumes_the_whole_curve(
        tmp_path: Path, form: str, given: str) -> None:
    whole = _model()
    whole.fit(**_x(form), epochs=4, seed=3, **FIT)
    folder = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="cut"):  # stopped after epoch 1's backup
        _model().fit(**_x(form), epochs=4, seed=3,
                     callbacks=[BackupAndRestore(folder), _Raise(RuntimeError, epoch=1)], **FIT)
    backup = BackupAndRestore(folder)
    callbacks: Any = {"list": [backup], "tuple": (backup,), "alone": backup,
                      "generator": (cb for cb in [backup])}[given]
    model = _model()
    history = model.fit(**_x(form), epochs=4, seed=3, callbacks=callbacks, **FIT)
    assert history is model.history and history.epoch == [0, 1, 2, 3]
    assert history.history["loss"] == whole.history.history["loss"]
    _same_weights(model, whole)


class _FitsAnother(Callback):
    """Fits a new model at the end of each epoch (a nested fit of another model)."""

    def __init__(self) -> None:
        self.fitted: list[Sequential] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        other = _model()
        other.fit(X, Y, batch_size=8, epochs=1, seed=2, **FIT)
        self.fitted.append(other)


@pytest.mark.parametrize("form", ["arrays", "sequence", "generator"])
def test_a_callbacks_fit_of_another_model_changes_neither_fit(form: str) -> None:
    alone = _model()
    mine = alone.fit(**_x(form), epochs=1, seed=1, **FIT)
    inner = _model()
    inner.fit(X, Y, batch_size=8, epochs=1, seed=2, **FIT)
    nesting, model = _FitsAnother(), _model()
    history = model.fit(**_x(form), epochs=1, seed=1, callbacks=[nesting], **FIT)
    assert history is model.history and history.history == mine.history
    _same_weights(model, alone)
    assert len(nesting.fitted) == 1
    _same_weights(nesting.fitted[0], inner)
    assert nesting.fitted[0].history.epoch == [0]


def _unbuilt_state(model: Sequential) -> tuple[str, list[list[Any]], set[str]]:
    """What an unbuilt model shows: its summary, each layer's parameters, its attributes."""
    return model.summary(), [layer.parameters() for layer in model.layers], set(vars(model))


@pytest.mark.parametrize("form", ["arrays", "sequence", "generator"])
@pytest.mark.parametrize("refused", [{"metrics": ["acuracy"]}, {"class_weight": {0: -1.0}},
                                     {"validation_data": (X, Y[:-1])}],
                         ids=["metric", "class_weight", "validation_data"])
def test_a_refused_first_fit_leaves_no_layer_built(form: str, refused: dict[str, Any]) -> None:
    # fit builds an unbuilt model from the data before its last checks; refused, the
    # model was put back unbuilt but its layers kept that build's weights (the summary
    # of a model "Not built" counted them: 16 and 10 parameters for x of width 3)
    model = _model()
    before = _unbuilt_state(model)
    with pytest.raises(ValueError):
        model.fit(**_x(form), epochs=1, seed=7, **refused, **FIT)
    assert not model.built
    assert _unbuilt_state(model) == before
    fresh = _model()
    fresh.fit(**_x(form), epochs=1, seed=7, **FIT)
    model.fit(**_x(form), epochs=1, seed=7, **FIT)  # a retry: a fresh fit's bits
    _same_weights(model, fresh)


def test_a_refused_first_train_on_batch_leaves_no_layer_built() -> None:
    model = _model()
    model.compile("adam", "cross_entropy")
    before = _unbuilt_state(model)
    with pytest.raises(ValueError):
        model.train_on_batch(X, Y[:-1])  # refused once built: one label short
    assert not model.built and _unbuilt_state(model) == before
