"""Cold start of ``import nonlin; nonlin.load(p).predict(x)``: no ``numpy.random``.

A loaded model's generator (``model.rng``, shared with its ``Dropout`` and noise layers) is
made on first use (``nonlin._deferred_rng``), the generator ``build(n, seed=0)`` leaves,
bit for bit: the same state, the same fit and dropout draws after, in pickles and copies,
from any thread. ``tests/data/cold31/loaded_by_main_50a961f.pickle``: a loaded model
pickled by the code before (a ``Dense(4), Dropout(0.5), GaussianNoise(0.1), Dense(1),
Sigmoid()`` built with seed=1, saved, loaded), which unpickles as ever.
"""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import Dense, Dropout, Sequential, Sigmoid, cli

DATA = Path(__file__).parent / "data" / "cold31"


def _layers() -> list[object]:
    return [Dense(5, init="orthogonal"), nonlin.PReLU(), nonlin.BatchNorm(), Dropout(0.3),
            Dense(4, init="he_uniform"), nonlin.GaussianNoise(0.1),
            nonlin.LayerNormalization(), Dense(1), Sigmoid()]


def _state(rng: np.random.Generator) -> dict[str, object]:
    return rng.bit_generator.state  # type: ignore[no-any-return]


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "m.safetensors"
    nonlin.save(Sequential(_layers()).build(3, seed=7), path)
    return path


def _imported(code: str, cwd: Path) -> set[str]:
    head = "import json, sys\nbefore = set(sys.modules)\n"
    tail = "\nprint(json.dumps(sorted(set(sys.modules) - before)))\n"
    done = subprocess.run([sys.executable, "-c", head + code + tail], env=cli_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_load_and_predict_import_no_numpy_random(saved: Path, tmp_path: Path) -> None:
    """Dropout and noise layers, a compile record too: numpy.random not imported."""
    model = nonlin.load(saved)
    model.compile(loss="bce", optimizer="adam", metrics=["accuracy"])
    nonlin.save(model, tmp_path / "c.safetensors")
    for name in ("m.safetensors", "c.safetensors"):
        modules = _imported("import numpy as np, nonlin\nm = nonlin.load(" + repr(name) + ")\n"
                            "m.predict(np.zeros((2, 3)))", tmp_path if name == "c.safetensors"
                            else saved.parent)
        assert "numpy.random" not in modules, name
    assert "numpy.random" not in _imported("import nonlin", tmp_path)


def test_nonlin_predict_imports_no_numpy_random(tmp_path: Path) -> None:
    rows = "".join(f"{i % 3},{i % 5},{i % 7},{i % 2}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("a,b,c,y\n" + rows)
    (tmp_path / "x.csv").write_text("a,b,c\n1,2,3\n0.5,0,1\n")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "m.safetensors")]) == 0
    code = ("sys.argv = ['nonlin', 'predict', 'm.safetensors', 'x.csv', '-o', 'p.csv']\n"
            "from nonlin.__main__ import run\ntry:\n    run()\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code")
    assert "numpy.random" not in _imported(code, tmp_path)
    assert (tmp_path / "p.csv").read_text().count("\n") == 3


def test_the_generator_made_on_first_use_is_build_seed_0s(saved: Path) -> None:
    model = nonlin.load(saved)
    assert "rng" not in model.__dict__  # not made yet
    reference = Sequential(_layers()).build(3, seed=0)  # what the loader's build leaves
    assert _state(model.rng) == _state(reference.rng)
    assert model.layers[3].rng is model.rng and model.layers[5].rng is model.rng
    # and build(seed=0)'s is default_rng(0) after the initial draws
    assert _state(model.rng) != _state(np.random.default_rng(0))


def test_a_layers_rng_read_first_is_the_models(saved: Path) -> None:
    model = nonlin.load(saved)
    rng = model.layers[5].rng
    assert rng is model.rng is model.layers[3].rng


def test_fit_after_load_draws_as_build_seed_0_then_the_files_weights(saved: Path) -> None:
    """Shuffling and dropout masks from the loaded model's generator: the same weights as a
    model built with seed=0 that takes the file's weights (what load did before)."""
    X = np.random.default_rng(5).normal(size=(32, 3))
    y = (X[:, :1] > 0).astype(float)
    loaded = nonlin.load(saved)
    reference = Sequential(_layers()).build(3, seed=0)
    reference.set_weights(loaded.get_weights())
    for model in (loaded, reference):
        model.compile(loss="bce", optimizer="adam")
        model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    for a, b in zip(loaded.get_weights(), reference.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_dropout_forward_on_a_loaded_model_draws_build_seed_0s_mask(saved: Path) -> None:
    x = np.ones((4, 5))
    loaded = nonlin.load(saved).layers[3].forward(x, training=True)
    assert np.array_equal(loaded, Sequential(_layers()).build(3, seed=0).layers[3].forward(
        x, training=True))


@pytest.mark.parametrize("copier", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy,
                                    copy.copy])
def test_pickles_and_copies_of_a_loaded_model_hold_the_generator(saved: Path, copier) -> None:
    model = copier(nonlin.load(saved))
    reference = Sequential(_layers()).build(3, seed=0)
    assert _state(model.rng) == _state(reference.rng)
    assert "_deferred_rng" not in model.__dict__ and "rng" in model.__dict__
    assert model.layers[3].rng is model.rng
    assert "_deferred_rng" not in pickle.loads(pickle.dumps(model.layers[3])).__dict__


def test_a_pickle_written_by_the_code_before_unpickles_as_a_loaded_model_now(
        tmp_path: Path) -> None:
    old = pickle.loads((DATA / "loaded_by_main_50a961f.pickle").read_bytes())
    built = Sequential([Dense(4), Dropout(0.5), nonlin.GaussianNoise(0.1), Dense(1),
                        Sigmoid()]).build(3, seed=1)
    nonlin.save(built, tmp_path / "m.safetensors")
    new = pickle.loads(pickle.dumps(nonlin.load(tmp_path / "m.safetensors")))
    assert _state(old.rng) == _state(new.rng)
    assert old.layers[1].rng is old.rng and new.layers[1].rng is new.rng
    x = np.random.default_rng(2).normal(size=(6, 3))
    assert old.predict(x).tobytes() == new.predict(x).tobytes()
    assert np.array_equal(old.forward(x, training=True), new.forward(x, training=True))


def test_threads_reading_the_generator_at_once_get_the_same_one(saved: Path) -> None:
    for _ in range(5):
        model = nonlin.load(saved)
        barrier, got = threading.Barrier(4), []

        def read(owner: object, barrier: threading.Barrier, got: list[object]) -> None:
            barrier.wait()
            got.append(owner.rng)  # type: ignore[attr-defined]

        threads = [threading.Thread(target=read, args=(o, barrier, got))
                   for o in (model, model, model.layers[3], model.layers[5])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(g) for g in got}) == 1 and got[0] is model.rng


class Drawing(nonlin.Layer):
    """A layer of one's own whose build draws from the generator."""

    def build(self, in_features: int, rng: np.random.Generator) -> int:
        self.drawn = float(rng.random())
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def test_a_layer_of_ones_own_is_built_with_the_generator_at_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A class of one's own may draw at build: the loader builds it with the generator,
    made at load as before."""
    monkeypatch.setitem(nonlin.registry.LAYERS, "Drawing", Drawing)
    nonlin.save(Sequential([Dense(2), Drawing(), Dropout(0.5)]).build(3, seed=4),
                tmp_path / "m.safetensors")
    model = nonlin.load(tmp_path / "m.safetensors")
    assert "rng" in model.__dict__ and model.layers[2].rng is model.rng
    reference = Sequential([Dense(2), Drawing(), Dropout(0.5)]).build(3, seed=0)
    assert _state(model.rng) == _state(reference.rng)
    assert model.layers[1].drawn == reference.layers[1].drawn


def test_train_on_batch_after_load_draws_as_build_seed_0(saved: Path) -> None:
    """``train_on_batch``'s kept state (``_on_batch_state``) binds the loaded model's
    generator to its dropout and noise layers, made on that first call."""
    X = np.random.default_rng(6).normal(size=(16, 3))
    y = (X[:, :1] > 0).astype(float)
    loaded = nonlin.load(saved)
    reference = Sequential(_layers()).build(3, seed=0)
    reference.set_weights(loaded.get_weights())
    for model in (loaded, reference):
        model.compile(loss="bce", optimizer="sgd")
        for _ in range(3):
            model.train_on_batch(X, y)
    for a, b in zip(loaded.get_weights(), reference.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_fit_with_a_seed_after_load_takes_that_generator(saved: Path) -> None:
    model = nonlin.load(saved)
    model.compile(loss="bce", optimizer="sgd")
    X = np.ones((4, 3))
    model.fit(X, np.ones((4, 1)), epochs=1, seed=3, verbose=0)
    assert model.layers[3].rng is model.rng
    copied = pickle.loads(pickle.dumps(model))
    assert _state(copied.rng) == _state(model.rng)
