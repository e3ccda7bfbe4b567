"""Session 30's review of the fit leftovers (s30-fitleft30), each a fault found there:

* a refused fit puts back a ``BackupAndRestore`` given in an iterator of callbacks (a
  generator, ``iter(list)``) or another iterable (a ``deque``) too, not only in a list,
  a tuple or alone (the generator was read before its items were recorded);
* ``train_on_batch``'s output warnings raised as errors (``-W error``) mark nothing: each
  call raises, as each ``fit`` does, and a model the call built is put back unbuilt (the
  first call raised and marked the pairing warned, the next trained without a word);
* the pairing ``train_on_batch`` warned of holds its loss and layers weakly, not their ids:
  a new loss that got a freed one's id is warned of (its warning was dropped);
* a Ctrl-C within ``FitPlan.start`` of a fit that built the model leaves it unbuilt, as a
  refused fit does (it was left built, its layers holding that build's parameters), and a
  retry trains the bits of a fit never interrupted;
* a Ctrl-C in the fit's bindings (``_setup``, which imports tqdm for the bar: before fit's
  guard is in place) is undone too: a resumed checkpoint's records were left on the model,
  and the next plain fit restored stale callback states and resumed a stale epoch.
"""

from __future__ import annotations

import collections
import gc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin._fit_plan as fit_plan
from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin.callbacks import BackupAndRestore
from nonlin.checkpoint import ModelCheckpoint
from nonlin.losses import MeanSquaredError
from nonlin.losses_more import Poisson
from source_helpers import Seq, data
from test_side_effects import assert_unchanged, everything

X, Y = data(40, 3)


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(3), Softmax()])


# -- a refused fit and BackupAndRestore among an iterable's callbacks ---------------------
FORMS = {"generator": lambda b: (cb for cb in [b]), "iterator": lambda b: iter([b]),
         "deque": lambda b: collections.deque([b])}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("data_form", ["arrays", "sequence"])
def test_a_refused_fit_leaves_backup_and_restore_in_an_iterable_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str, data_form: str) -> None:
    monkeypatch.chdir(tmp_path)
    given: dict[str, Any] = ({"x": X, "y": Y, "batch_size": 8} if data_form == "arrays"
                             else {"x": Seq(X, Y, size=8)})
    backup = BackupAndRestore("run", save_freq=2)
    was = dict(vars(backup))
    for refusal in ({"epochs": -1}, {"metrics": ["acuracy"]}):
        with pytest.raises(ValueError):
            _model().fit(**given, loss="cross_entropy", optimizer="sgd", verbose=0,
                         callbacks=FORMS[form](backup), **{"epochs": 1, **refusal})
        assert vars(backup) == was  # the folder bound as fit began: unbound again
    model = _model()
    model.fit(**given, loss="cross_entropy", optimizer="sgd", verbose=0, epochs=1,
              callbacks=FORMS[form](backup))  # read once: the callback still takes part
    assert backup.model is model and backup._dir == str(tmp_path / "run")


# -- train_on_batch's output warnings as errors --------------------------------------------
def _logits_model() -> Sequential:
    model = _model()  # a Softmax at the end, and a loss that takes logits: warned
    model.compile(optimizer="sgd", loss=nonlin.CrossEntropy(from_logits=True))
    return model


def test_a_warning_raised_as_an_error_is_raised_at_each_train_on_batch() -> None:
    model = _logits_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            with pytest.raises(UserWarning, match="Softmax"):
                model.train_on_batch(X, Y)
            assert not model.built  # built by the call, put back as fit puts it back
    with warnings.catch_warnings(record=True) as caught:  # then given once, as a warning
        warnings.simplefilter("always")
        model.train_on_batch(X, Y)
        model.train_on_batch(X, Y)
    assert len([w for w in caught if "Softmax" in str(w.message)]) == 1


def test_a_built_model_is_left_untrained_by_a_warning_raised_as_an_error() -> None:
    model = _logits_model().build(X.shape[1], seed=0)
    weights = model.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            with pytest.raises(UserWarning):
                model.train_on_batch(X, Y)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))


# -- a loss that took a freed loss's id ----------------------------------------------------
def test_a_new_loss_with_a_freed_losss_id_is_warned_of() -> None:
    x, y = X, np.abs(Y.astype(float)).reshape(-1, 1) + 1.0
    model = Sequential([Dense(4), ReLU(), Dense(1)]).build(x.shape[1], seed=0)
    first = MeanSquaredError()  # nothing to warn of: the pairing recorded as warned
    model.compile(optimizer="sgd", loss=first)
    model.train_on_batch(x, y)
    freed = id(first)
    model.compile(optimizer="sgd", loss="mse")
    del first
    gc.collect()
    kept = []
    for _ in range(100_000):  # until the allocator hands the freed loss's memory out again
        second = Poisson()  # the last Dense is linear: below 0, which Poisson cannot take
        if id(second) == freed:
            break
        kept.append(second)
    else:
        pytest.skip("no object got the freed loss's id")
    model.compile(optimizer="sgd", loss=second)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.train_on_batch(x, y)
        except nonlin.DivergenceError:  # what the warning says may come
            pass
    assert [w for w in caught if "Poisson" in str(w.message)], [str(w.message) for w in caught]


# -- a Ctrl-C within start of a fit that built the model -------------------------------------
def _interrupt(*args: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_ctrl_c_in_start_leaves_a_model_the_fit_built_unbuilt(
        monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    given: dict[str, Any] = ({"x": X, "y": Y, "batch_size": 8} if form == "arrays"
                             else {"x": Seq(X, Y, size=8)})
    args: dict[str, Any] = {"loss": "cross_entropy", "optimizer": "adam", "epochs": 2,
                            "seed": 4, "verbose": 0}
    model = _model()
    attrs = set(vars(model))
    layers = [dict(vars(layer)) for layer in model.layers]
    monkeypatch.setattr(fit_plan, "fit_parameters", _interrupt)  # start's last call
    with pytest.raises(KeyboardInterrupt):
        model.fit(**given, **args)
    assert not model.built and set(vars(model)) == attrs
    assert [set(vars(layer)) for layer in model.layers] == [set(was) for was in layers]
    monkeypatch.undo()
    model.fit(**given, **args)
    never = _model()
    never.fit(**given, **args)
    assert all(a.tobytes() == b.tobytes()
               for a, b in zip(model.get_weights(), never.get_weights(), strict=True))


class _Stop(nonlin.callbacks.Callback):
    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if batch == 2:
            raise RuntimeError("stopped mid-epoch")


class _Interrupted:  # the progress display made in _setup (tqdm's import): Ctrl-C there
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_ctrl_c_in_the_fits_bindings_puts_a_resumed_model_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    import nonlin._source_fit
    import nonlin.train

    given: dict[str, Any] = ({"x": X, "y": Y, "batch_size": 8} if form == "arrays"
                             else {"x": Seq(X, Y, size=8)})
    path = tmp_path / "run.safetensors"
    with pytest.raises(RuntimeError):  # a checkpoint written within an epoch
        _model().fit(**given, loss="cross_entropy", optimizer="sgd", epochs=2, seed=0,
                     verbose=0, callbacks=[ModelCheckpoint(path, save_freq=2), _Stop()])

    def trained(interrupt: bool) -> list[bytes]:
        model = _model()
        model.fit(**given, loss="cross_entropy", optimizer="sgd", epochs=1, seed=1, verbose=0)
        if interrupt:
            before, attrs = everything(model), set(vars(model))
            backup = BackupAndRestore(tmp_path / "none", save_freq=2)
            was = dict(vars(backup))
            for module in (nonlin.train, nonlin._source_fit):
                monkeypatch.setattr(module, "ProgbarLogger", _Interrupted)
            with pytest.raises(KeyboardInterrupt):
                model.fit(**given, epochs=2, verbose=1, resume_from=path,
                          callbacks=[backup])
            monkeypatch.undo()
            assert_unchanged(before, everything(model))
            assert set(vars(model)) == attrs and vars(backup) == was
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no stale callback states restored
            model.fit(**given, epochs=1, verbose=0)
        return [w.tobytes() for w in model.get_weights()]

    assert trained(True) == trained(False)


def test_a_ctrl_c_in_the_fits_bindings_leaves_the_layers_generators(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import nonlin.train

    model = Sequential([Dense(4), ReLU(), nonlin.Dropout(0.5), Dense(3), Softmax()])
    model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0, verbose=0)
    drawing = [(layer, layer.rng) for layer in model.layers if hasattr(layer, "rng")]
    assert drawing and all(rng is model.rng for _, rng in drawing)
    monkeypatch.setattr(nonlin.train, "ProgbarLogger", _Interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, epochs=1, seed=7, verbose=1)  # seed's generator: not kept
    assert all(layer.rng is rng is model.rng for layer, rng in drawing)
