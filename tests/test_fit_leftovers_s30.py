"""Session 29's leftovers for ``fit`` and ``train_on_batch`` (session 30):

* the optimizer's ``check_finite`` a user set is kept after ``fit`` and ``train_on_batch``
  (both turned it off, whatever it was before);
* the warnings on the model's output point at the user's line also when ``train.fit`` is
  called directly (a fixed frame count pointed one frame above);
* ``train_on_batch`` gives ``fit``'s warnings on the output layer, once per model and loss;
* a Ctrl-C within ``FitPlan.start`` (the checkpoint going in, the generator) puts the
  model back as it was, as a refused fit leaves it;
* a refused fit leaves a ``BackupAndRestore`` as it was (its folder was bound as fit began);
* a fit refused after it pulled an iterator's first batch to build the model says so (a
  note on the error: the iterator cannot take the batch back); the checks keep their order.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin._fit_plan as fit_plan
from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin.checkpoint import ModelCheckpoint
from source_helpers import Seq, data
from test_side_effects import assert_unchanged, everything

X, Y = data(40, 3)


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(3), Softmax()])


# -- check_finite ---------------------------------------------------------------------
@pytest.mark.parametrize("call", ["fit", "train_on_batch"])
@pytest.mark.parametrize("before", [True, False])
def test_the_optimizers_finite_check_is_left_as_the_user_set_it(call: str,
                                                                 before: bool) -> None:
    model, optimizer = _model(), nonlin.SGD(lr=0.1)
    model.compile(optimizer=optimizer, loss="cross_entropy")
    optimizer.check_finite = before
    if call == "fit":
        model.fit(X, Y, epochs=1, verbose=0, seed=0)
    else:
        model.build(X.shape[1], seed=0)
        model.train_on_batch(X, Y)
    assert optimizer.check_finite is before


def test_the_finite_check_is_left_as_set_after_a_diverging_fit() -> None:
    model, optimizer = _model(), nonlin.SGD(lr=1e300)
    optimizer.check_finite = True
    with pytest.raises(nonlin.DivergenceError):
        model.fit(X * 1e300, Y, loss="cross_entropy", optimizer=optimizer, epochs=1,
                  verbose=0, seed=0)
    assert optimizer.check_finite is True


# -- where the output warnings point ---------------------------------------------------
def _double_softmax_warnings(call: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if "twice" in str(w.message)]


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_train_fit_called_directly_points_its_warning_at_the_callers_line(form: str) -> None:
    from nonlin import train

    given: dict[str, Any] = ({"X": X, "y": Y, "batch_size": 8} if form == "arrays"
                             else {"X": Seq(X, Y, size=8), "y": None})
    loss = nonlin.CrossEntropy(from_logits=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        train.fit(_model(), loss=loss, optimizer="sgd", verbose=0, seed=0, **given)
    twice = [w for w in caught if "twice" in str(w.message)]
    assert [(w.filename, w.lineno) for w in twice] == [(__file__, line)]


def test_sequential_fit_still_points_at_the_callers_line() -> None:
    loss = nonlin.CrossEntropy(from_logits=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        _model().fit(X, Y, loss=loss, optimizer="sgd", verbose=0, seed=0)
    twice = [w for w in caught if "twice" in str(w.message)]
    assert [(w.filename, w.lineno) for w in twice] == [(__file__, line)]


# -- train_on_batch's output warnings ---------------------------------------------------
def test_train_on_batch_warns_of_the_output_once_per_model_and_loss() -> None:
    model = _model()
    model.compile(optimizer="sgd", loss=nonlin.CrossEntropy(from_logits=True))
    caught = _double_softmax_warnings(lambda: [model.train_on_batch(X, Y) for _ in range(3)])
    assert len(caught) == 1 and caught[0].filename == __file__
    model.compile(optimizer="sgd", loss=nonlin.CrossEntropy(from_logits=True))  # a new loss
    assert len(_double_softmax_warnings(lambda: model.train_on_batch(X, Y))) == 1
    model.loss.from_logits = False  # matches now: nothing to say
    assert _double_softmax_warnings(lambda: model.train_on_batch(X, Y)) == []


def test_train_on_batch_warns_once_for_a_loss_it_cannot_keep() -> None:
    loss = nonlin.CrossEntropy(from_logits=True)
    loss.label_smoothing = np.float64(0.0)  # not a Python scalar: checked at every call
    model = _model()
    model.compile(optimizer="sgd", loss=loss)
    caught = _double_softmax_warnings(lambda: [model.train_on_batch(X, Y) for _ in range(3)])
    assert len(caught) == 1


@pytest.mark.parametrize("loss", ["msle", "kl_divergence"])
def test_train_on_batch_gives_fits_unbounded_output_warning(loss: str) -> None:
    model = Sequential([Dense(3)])
    model.compile(optimizer="sgd", loss=loss)
    y = np.full((len(X), 3), 0.3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.train_on_batch(X, y)
    assert [w.filename for w in caught] == [__file__]


def test_a_refused_train_on_batch_warns_of_nothing() -> None:
    model = _model()
    model.compile(optimizer="sgd", loss=nonlin.CrossEntropy(from_logits=True))
    assert _double_softmax_warnings(lambda: pytest.raises(
        ValueError, model.train_on_batch, X, Y[:5])) == []
    assert len(_double_softmax_warnings(lambda: model.train_on_batch(X, Y))) == 1


# -- a Ctrl-C within FitPlan.start --------------------------------------------------------
def _interrupt(*args: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_ctrl_c_in_start_leaves_a_resumed_checkpoint_out(
        tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.safetensors"
    given: dict[str, Any] = ({"x": X, "y": Y, "batch_size": 8} if form == "arrays"
                             else {"x": Seq(X, Y, size=8)})
    _model().fit(**given, loss="cross_entropy", optimizer="adam", epochs=2, seed=3,
                 verbose=0, callbacks=[ModelCheckpoint(path)])
    model = _model()
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0)
    before, epochs, attrs = everything(model), list(model.history.epoch), set(vars(model))
    monkeypatch.setattr(fit_plan, "fit_parameters", _interrupt)  # start's last call
    with pytest.raises(KeyboardInterrupt):
        model.fit(**given, epochs=4, verbose=0, resume_from=path)
    assert_unchanged(before, everything(model))
    assert model.history.epoch == epochs and set(vars(model)) == attrs
    monkeypatch.undo()  # fittable as before
    model.fit(**given, epochs=4, verbose=0, resume_from=path)
    assert model.history.epoch == [0, 1, 2, 3]


def test_a_ctrl_c_in_start_leaves_the_seeds_generator_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model()
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0)
    rng = model.rng
    monkeypatch.setattr(fit_plan, "fit_parameters", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, epochs=1, verbose=0, seed=5)
    assert model.rng is rng


# -- a refused fit on a one-pass iterator ---------------------------------------------------
def _gen() -> Any:
    return ((X[i:i + 8], Y[i:i + 8]) for i in range(0, len(X), 8))


def _refused(x: Any, model: Sequential) -> ValueError:
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'") as info:
        model.fit(x, loss="cross_entropy", optimizer="sgd", metrics=["acuracy"], verbose=0)
    return info.value


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes: Python 3.11+")
def test_a_refused_fit_says_it_used_up_the_iterators_first_batch() -> None:
    batches = _gen()
    error = _refused(batches, _model())
    notes = getattr(error, "__notes__", [])
    assert len(notes) == 1 and "first batch of x (generator, an iterator)" in notes[0], notes
    assert "model.build(n_features)" in notes[0]
    assert len(list(batches)) == 4  # the batch is gone, as the note says


@pytest.mark.parametrize("make", [lambda: _gen(), lambda: Seq(X, Y, size=8)])
def test_nothing_read_means_no_note(make: Any) -> None:
    model = _model().build(X.shape[1], seed=0)  # built: no batch read before the checks
    batches = make()
    error = _refused(batches, model)
    assert not getattr(error, "__notes__", [])
    if not isinstance(batches, Seq):
        assert len(list(batches)) == 5
    assert not getattr(_refused(Seq(X, Y, size=8), _model()), "__notes__", [])


def test_an_input_wrong_twice_still_gets_the_first_batchs_error() -> None:
    bad = iter([(X[:8, 0], Y[:8])])  # a 1-D x: the build refuses it before the metric
    with pytest.raises(ValueError) as info:
        _model().fit(bad, loss="cross_entropy", optimizer="sgd", metrics=["acuracy"],
                     verbose=0)
    assert "acuracy" not in str(info.value)


# -- a refused fit and BackupAndRestore -------------------------------------------------------
@pytest.mark.parametrize("form", ["arrays", "sequence"])
@pytest.mark.parametrize("refusal", [{"epochs": -1}, {"metrics": ["acuracy"]}])
def test_a_refused_fit_leaves_backup_and_restore_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str,
        refusal: dict[str, Any]) -> None:
    from nonlin.callbacks import BackupAndRestore

    monkeypatch.chdir(tmp_path)
    given: dict[str, Any] = ({"x": X, "y": Y, "batch_size": 8} if form == "arrays"
                             else {"x": Seq(X, Y, size=8)})
    backup = BackupAndRestore("run", save_freq=2)
    was = dict(vars(backup))
    for callbacks in ([backup], (backup,), backup):
        with pytest.raises(ValueError):
            _model().fit(**given, loss="cross_entropy", optimizer="sgd", verbose=0,
                         callbacks=callbacks, **{"epochs": 1, **refusal})
        assert vars(backup) == was
    assert backup.backup_path() is None and not (tmp_path / "run").exists()
    _model().fit(**given, loss="cross_entropy", optimizer="sgd", verbose=0, epochs=1,
                 callbacks=[backup])  # a fit that runs binds the absolute folder, as before
    assert backup._dir == str(tmp_path / "run")
