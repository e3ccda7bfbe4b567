"""The steps ``train.fit`` and ``_source_fit.fit_source`` share (``nonlin._fit_plan.FitPlan``,
session 29), pinned where splitting the two fits into those steps could break them, for
arrays and for batch sources alike:

* a call refused at any step (the arguments, the loss, the metrics, a callback's
  ``on_train_begin`` refusal, a resumed checkpoint's checks) changes nothing: the model's
  weights, state, generator, optimizer (and its slots), loss, history and callbacks, the
  callbacks given (no model bound), the SIGINT handler; an unbuilt model stays unbuilt, and
  a corrected retry gives the bits of a fresh fit;
* an error or a Ctrl-C raised by a callback mid-fit leaves no mark of the fit on the model
  (the optimizer's finite check off, no running fit), the SIGINT handler as it was, and the
  model fittable again;
* the warnings on the model's output and on a single class point at the caller's line;
* a fit returns this fit's epochs, a resumed one the whole curve.

A pure refactor has no failing-before test: these pass on the code before the split too.
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Adam, Dense, ReLU, Sequential, Softmax
from nonlin.callbacks import Callback, EarlyStopping
from nonlin.checkpoint import ModelCheckpoint
from source_helpers import Seq, data
from test_side_effects import assert_unchanged, everything

X, Y = data(40, 3)
FORMS = ["arrays", "sequence", "generator"]
MARKS = ("_fit_running", "_fit_metrics", "_fit_metrics_given", "_fit_val_freq")


def _batches(X: np.ndarray, y: np.ndarray, size: int = 8) -> Iterator[tuple[Any, Any]]:
    for i in range(0, len(X), size):
        yield X[i:i + size], y[i:i + size]


def _x(form: str, X: np.ndarray = X, y: np.ndarray = Y) -> dict[str, Any]:
    """``fit``'s data of ``form``: x and y as arrays, or one batch source of them."""
    if form == "arrays":
        return {"x": X, "y": y, "batch_size": 8}
    return {"x": Seq(X, y, size=8) if form == "sequence" else _batches(X, y)}


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


def _trained() -> Sequential:
    model = _model()
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0, seed=0)
    return model


class _Recorder(Callback):
    """Records the hooks called; raises ``error`` at the end of batch ``at`` of epoch 0."""

    def __init__(self, error: type[BaseException] | None = None, at: int = 2) -> None:
        self.error, self.at = error, at
        self.calls: list[str] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.calls.append("on_train_begin")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.error is not None and batch == self.at:
            raise self.error("raised by a callback")


def _marks(model: Sequential) -> dict[str, Any]:
    """What a fit binds to the model and must take back, or not bind when refused."""
    return {"marks": [key for key in MARKS if key in vars(model)],
            "fit_callbacks": vars(model).get("_fit_callbacks"),
            "stop_training": vars(model).get("stop_training"),
            "check_finite": getattr(model.optimizer, "check_finite", None),
            "sigint": signal.getsignal(signal.SIGINT)}


REFUSALS: dict[str, tuple[Callable[[], dict[str, Any]], type[Exception], str]] = {
    "epochs": (lambda: {"epochs": -1}, ValueError, "epochs"),
    "verbose": (lambda: {"verbose": "loud"}, ValueError, "verbose"),
    "loss": (lambda: {"loss": "no_such_loss"}, ValueError, "no_such_loss"),
    "metric": (lambda: {"metrics": ["acuracy"]}, ValueError, "acuracy"),
    "callback": (lambda: {"callbacks": [_Recorder(), EarlyStopping(monitor="val_acuracy")]},
                 ValueError, "val_acuracy"),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_fit_changes_nothing(form: str, refusal: str) -> None:
    make, error, match = REFUSALS[refusal]
    model = _trained()
    before, marks = everything(model), _marks(model)
    given = {"loss": "cross_entropy", "optimizer": Adam(0.01), "epochs": 3, "verbose": 0,
             "seed": 4, **make()}
    with pytest.raises(error, match=match):
        model.fit(**_x(form), **given)
    assert_unchanged(before, everything(model))
    assert _marks(model) == marks
    for cb in given.get("callbacks", []):
        assert cb.model is None and cb.params is None  # no model bound, no hook called
        assert getattr(cb, "calls", []) == []
    assert given["optimizer"].iterations == 0  # the optimizer given was not stepped


@pytest.mark.parametrize("form", FORMS)
def test_an_unbuilt_model_refused_stays_unbuilt_and_a_retry_trains_as_a_fresh_fit(
        form: str) -> None:
    fresh = _model()
    fresh.fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=1, seed=7, verbose=0)
    model = _model()
    with pytest.raises(ValueError, match="acuracy"):
        model.fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=1, seed=7,
                  verbose=0, metrics=["acuracy"])
    assert not model.built and model.optimizer is None and model.loss is None
    model.fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=1, seed=7, verbose=0)
    for got, want in zip(model.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_resume_refused_after_its_checkpoint_is_read_puts_nothing_of_it_in(
        tmp_path: Path, form: str) -> None:
    path = tmp_path / "run.safetensors"
    _model().fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=2, seed=3,
                 verbose=0, callbacks=[ModelCheckpoint(path)])
    model = _trained()
    before, marks, epochs = everything(model), _marks(model), list(model.history.epoch)
    with pytest.raises(ValueError, match="val_acuracy"):  # refused once the file is read
        model.fit(**_x(form), epochs=4, verbose=0, resume_from=path,
                  callbacks=[EarlyStopping(monitor="val_acuracy")])
    assert_unchanged(before, everything(model))
    assert _marks(model) == marks and model.history.epoch == epochs
    assert not {"_resume_callbacks", "_resume_partial", "metadata"} & set(vars(model))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_callbacks_error_mid_fit_leaves_no_mark_of_the_fit(
        form: str, error: type[BaseException]) -> None:
    model = _trained()
    sigint = signal.getsignal(signal.SIGINT)
    with pytest.raises(error, match="raised by a callback"):
        model.fit(**_x(form), epochs=2, verbose=0, callbacks=[_Recorder(error, at=2)])
    assert model.optimizer.check_finite is False
    assert [key for key in MARKS if key in vars(model)] == []
    assert signal.getsignal(signal.SIGINT) is sigint
    assert model.history.epoch == []  # this fit's History: no epoch completed
    assert model.optimizer.iterations == 2 * 2 + 3  # the earlier fit's, and 3 steps here
    history = model.fit(**_x(form), epochs=1, verbose=0)  # not refused as still running
    assert history.epoch == [0] and model.optimizer.check_finite is False


@pytest.mark.parametrize("form", FORMS)
def test_the_output_warning_points_at_the_callers_line(form: str) -> None:
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(**_x(form), loss=nonlin.CrossEntropy(from_logits=True), optimizer="adam",
                  epochs=1, verbose=0, seed=0)
    ours = [w for w in caught if "Softmax" in str(w.message)]
    assert ours and all(w.filename == __file__ for w in ours), [
        (w.filename, str(w.message)[:80]) for w in caught]


def test_the_single_class_warning_points_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _model().fit(X, np.zeros(len(X), np.int64), loss="cross_entropy", optimizer="adam",
                     epochs=1, verbose=0, seed=0)
    ours = [w for w in caught if "class" in str(w.message)]
    assert ours and all(w.filename == __file__ for w in ours), [
        (w.filename, str(w.message)[:80]) for w in caught]


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_fit_returns_its_epochs_and_a_resumed_one_the_whole_curve(
        tmp_path: Path, form: str) -> None:
    path = tmp_path / "run.safetensors"
    model = _model()
    first = model.fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=2, seed=3,
                      verbose=0, callbacks=[ModelCheckpoint(path)])
    more = model.fit(**_x(form), epochs=3, initial_epoch=2, verbose=0)
    assert first.epoch == [0, 1] and more.epoch == [2]  # each fit's epochs alone
    assert model.history is not more and model.history.epoch == [0, 1, 2]  # it goes on
    resumed = _model()
    whole = resumed.fit(**_x(form), loss="cross_entropy", optimizer="adam", epochs=3,
                        verbose=0, resume_from=path)
    assert whole is resumed.history and whole.epoch == [0, 1, 2]
