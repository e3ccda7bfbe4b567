"""Reproducibility as a researcher checks it (session 30): the same seed gives the same bits in
one process and in two, and a trained model serializes to the same bytes.

A fitted model's ``__dict__`` held a table keyed by ``id(param)`` (the parameters whose
gradients the first step checked written, ``nonlin._grad_written``), so two bit-identical
models, or one model trained by the same script in two runs, pickled to different bytes
(``joblib.hash`` of a fitted estimator changed from run to run). ``ModelState.__getstate__``
leaves such process-bound entries out.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nonlin as nl
from cli_helpers import cli_env


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0)
    return X, y


def _trained(epochs=2):
    X, y = _data()
    model = nl.Sequential([nl.Dense(8), nl.ReLU(), nl.Dropout(0.2), nl.Dense(3), nl.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=epochs, batch_size=16,
              seed=0, verbose=0, validation_split=0.25)
    return model


def _same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(), strict=True))


def test_two_identical_trainings_pickle_to_the_same_bytes():
    a, b = _trained(), _trained()
    assert _same_weights(a, b)
    assert pickle.dumps(a) == pickle.dumps(b)


def test_a_fitted_estimator_pickles_to_the_same_bytes():
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        fits = [MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
                for _ in range(2)]
    assert pickle.dumps(fits[0]) == pickle.dumps(fits[1])
    joblib = pytest.importorskip("joblib")  # its hash keys joblib.Memory's cache
    assert joblib.hash(fits[0]) == joblib.hash(fits[1])


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_trains_on_to_the_original_bits(how):
    X, y = _data()
    model = _trained()
    twin = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    for m in (model, twin):
        m.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert _same_weights(model, twin)


def test_a_copy_still_checks_a_gradient_left_unwritten():
    """The record left out of the copy is what spares later steps the check: without it the
    copy's first step checks again, so a layer that stops writing its gradient is caught."""
    X, y = _data()
    model = _trained()
    twin = copy.deepcopy(model)
    assert "_grads_written" in model.__dict__ and "_grads_written" not in twin.__dict__
    dense = twin.layers[0]
    dense.backward = lambda grad: None  # writes nothing
    with pytest.raises(RuntimeError, match="left unwritten"):
        twin.fit(X, y, epochs=1, batch_size=16, verbose=0)


class _Snapshot(nl.Callback):
    """Keeps an unpickled copy of the model at each epoch's end (a pickle taken mid-fit)."""

    def __init__(self):
        super().__init__()
        self.kept = []

    def on_epoch_end(self, epoch, logs=None):
        self.kept.append(pickle.loads(pickle.dumps(self.model)))


def test_a_model_copied_during_fit_trains_after_it():
    X, y = _data()
    snapshot = _Snapshot()
    model = nl.Sequential([nl.Dense(8), nl.ReLU(), nl.Dense(3), nl.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0,
              callbacks=[snapshot])
    kept = snapshot.kept
    assert "_fit_running" not in kept[0].__dict__
    kept[0].fit(X, y, epochs=1, verbose=0)  # not refused as a fit already running


_SCRIPT = """
import hashlib, json, pickle, sys, warnings
import numpy as np
if sys.argv[1] == "touch":
    np.random.seed(123); np.random.rand(3)
before = np.random.get_state()[1].copy()
import nonlin as nl
rng = np.random.default_rng(0)
X = rng.standard_normal((120, 4)); y = (X[:, 0] > 0).astype(int) + (X[:, 2] > 0)
model = nl.Sequential([nl.Dense(8), nl.ReLU(), nl.Dropout(0.2), nl.Dense(3), nl.Softmax()])
history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16,
                    seed=0, verbose=0, validation_split=0.25)
path = sys.argv[2]
nl.save(model, path)
digest = lambda b: hashlib.sha256(b).hexdigest()
print(json.dumps({"weights": digest(b"".join(w.tobytes() for w in model.get_weights())),
                  "history": repr(history.history), "file": digest(open(path, "rb").read()),
                  "pickle": digest(pickle.dumps(model)),
                  "global": bool(np.array_equal(np.random.get_state()[1], before))}))
"""


def test_two_processes_give_the_same_bits_bytes_and_pickle(tmp_path):
    """Two runs of one script, another ``PYTHONHASHSEED`` and NumPy's global state seeded and
    drawn from in one of them: the weights, the history, the model file and the pickle agree,
    and the global state is left as it was."""
    runs = []
    for hashseed, touch in (("1", "touch"), ("2", "no")):
        env = {**cli_env(), "PYTHONHASHSEED": hashseed}
        done = subprocess.run([sys.executable, "-c", _SCRIPT, touch,
                               os.fspath(tmp_path / f"m{hashseed}.safetensors")],
                              env=env, capture_output=True, text=True, timeout=120, check=True)
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert runs[0]["global"] is True


# -- what the guide's Reproducibility section says of seeds (true on main too) ---------------


def test_a_generator_given_as_seed_is_kept_and_advanced():
    X, y = _data()
    given = np.random.default_rng(7)
    before = copy.deepcopy(given.bit_generator.state)
    model = nl.Sequential([nl.Dense(4), nl.Dropout(0.5), nl.Dense(3), nl.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, seed=given, verbose=0)
    assert model.rng is given and given.bit_generator.state != before


def test_fit_without_a_seed_draws_on_from_the_built_models_generator():
    X, y = _data()
    layers = lambda: [nl.Dense(4), nl.Dropout(0.5), nl.Dense(3), nl.Softmax()]  # noqa: E731
    a, b = (nl.Sequential(layers()).build(4, seed=3) for _ in range(2))
    for m in (a, b):
        m.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=2, verbose=0)
    assert _same_weights(a, b)


def test_a_loaded_models_generator_is_as_after_building_with_seed_0(tmp_path):
    model = _trained()
    nl.save(model, tmp_path / "m.safetensors")
    loaded = nl.load(tmp_path / "m.safetensors")
    fresh = nl.Sequential([nl.Dense(8), nl.ReLU(), nl.Dropout(0.2), nl.Dense(3),
                           nl.Softmax()]).build(4, seed=0)
    assert loaded.rng.bit_generator.state == fresh.rng.bit_generator.state


def test_fit_in_two_calls_is_one_call_unless_the_second_reseeds():
    X, y = _data()
    whole = _trained(epochs=4)
    split = _trained(epochs=2)
    split.fit(X, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, validation_split=0.25)
    assert _same_weights(whole, split)
    reseeded = _trained(epochs=2)
    reseeded.fit(X, y, epochs=4, initial_epoch=2, batch_size=16, seed=0, verbose=0,
                 validation_split=0.25)
    assert not _same_weights(whole, reseeded)


# -- nonlin train under SOURCE_DATE_EPOCH: the same bytes twice ------------------------------


def _train(tmp_path, out, epoch=None, *extra):
    rows = ["a,b,c,t"] + [f"{x:.4f},{x * x:.4f},{-x:.4f},{'yes' if x > 0.1 else 'no'}"
                          for x in np.random.default_rng(1).standard_normal(60)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    env = cli_env()
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    return subprocess.run([sys.executable, "-m", "nonlin", "train", "d.csv", "--target", "t",
                           "--epochs", "2", "--dropout", "0.2", "--quiet", "--out", out, *extra],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_source_date_epoch_makes_two_training_runs_write_the_same_bytes(tmp_path):
    for out in ("one.safetensors", "two.safetensors"):
        assert _train(tmp_path, out, "0").returncode == 0
    assert nl.load(tmp_path / "one.safetensors").metadata["training"]["created"] == (
        "1970-01-01T00:00:00+00:00")
    assert (tmp_path / "one.safetensors").read_bytes() == (
        tmp_path / "two.safetensors").read_bytes()
    assert _train(tmp_path, "three.safetensors", "").returncode == 0  # empty: unset, now


@pytest.mark.parametrize("value", ["1.5e9", "-5", " 12", "soon", "99999999999999999999"])
def test_a_malformed_source_date_epoch_is_refused_before_training(tmp_path, value):
    done = _train(tmp_path, "m.safetensors", value)
    assert done.returncode == 2
    assert "SOURCE_DATE_EPOCH" in done.stderr and repr(value) in done.stderr
    assert not (tmp_path / "m.safetensors").exists()


def test_an_older_pickle_taken_during_fit_is_not_refused_as_running():
    """A pickle from before ``__getstate__`` holds ``_fit_running``, the id of a model of
    another process: an unpickled model that lands at that address was refused as fitting."""
    X, y = _data()
    model = _trained()
    state = {**model.__dict__, "_grads_written": {}}
    twin = type(model).__new__(type(model))
    state["_fit_running"] = id(twin)  # what a pickle made mid-fit elsewhere can hold
    twin.__setstate__(state)
    assert "_fit_running" not in twin.__dict__ and "_grads_written" not in twin.__dict__
    twin.fit(X, y, epochs=1, batch_size=16, verbose=0)
