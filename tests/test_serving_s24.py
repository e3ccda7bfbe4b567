"""Serving a trained model: inference from many threads, loading while a save replaces the
file, only the runtime dependencies, inputs a service meets, memory over many calls.

What the guide's "Serving a model" promises: the inference calls write nothing to the model
(each call's arrays are its own), so threads calling them at once on one model get exactly
their single-threaded results; ``load`` reads one file whole, old or new, never a mix.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env

THREADS = 8
ROUNDS = 12  # per thread: each thread's calls overlap the others' matrix products


def _trained(tmp_path: Path, dtype: str) -> tuple[nonlin.Sequential, nonlin.Sequential]:
    """A model holding every kind of per-step cache, fitted (its caches filled), and its copy
    saved and loaded."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 5)), rng.integers(0, 3, 64)
    model = nonlin.Sequential([
        nonlin.Normalization(), nonlin.Dense(16), nonlin.BatchNorm(), nonlin.ReLU(),
        nonlin.Dense(16, activation="tanh"), nonlin.LayerNormalization(), nonlin.PReLU(),
        nonlin.GELU(), nonlin.Dropout(0.2), nonlin.GaussianNoise(0.1), nonlin.Dense(3),
        nonlin.Softmax(),
    ]).build(5, seed=0, dtype=dtype)
    model.layers[0].adapt(X)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "model.safetensors")
    return model, nonlin.load(tmp_path / "model.safetensors")


def _in_threads(calls: dict[str, Callable[[Any], Any]], inputs: list[Any]) -> list[str]:
    """Run every call on ``inputs[i]`` in thread ``i``, all threads at once, ``ROUNDS`` times;
    the mismatches against one thread's results, as ``"call, input i"``."""
    expected = {name: [call(x) for x in inputs] for name, call in calls.items()}
    start, mismatches = threading.Barrier(len(inputs)), []

    def work(i: int) -> None:
        start.wait()
        for _ in range(ROUNDS):
            for name, call in calls.items():
                out, want = call(inputs[i]), expected[name][i]
                if out.dtype != want.dtype or not np.array_equal(out, want):
                    mismatches.append(f"{name}, input {i}")
                    return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return mismatches


def _inputs(n_features: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.normal(size=(rows, n_features)) for rows in (1, 40, 7, 90, 1, 40, 7, 90)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inference_from_eight_threads_gives_each_its_single_threaded_result(
        tmp_path: Path, dtype: str) -> None:
    for model in _trained(tmp_path, dtype):
        calls = {"predict": model.predict, "predict(batch_size=3)":
                 lambda x, m=model: m.predict(x, batch_size=3),
                 "model(x)": model, "forward": model.forward,
                 "predict_on_batch": model.predict_on_batch}
        assert _in_threads(calls, _inputs(5)) == []


def test_evaluate_with_metrics_by_name_from_eight_threads(tmp_path: Path) -> None:
    """New metric objects at each call: threads may evaluate at once, in one pass or in
    chunks (more than 1,024 rows: the metrics add up chunk by chunk)."""
    model = _trained(tmp_path, "float64")[1]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "top_k_accuracy"])
    rng = np.random.default_rng(2)
    data = [(rng.normal(size=(rows, 5)), rng.integers(0, 3, rows)) for rows in (9, 1500) * 4]

    def scores(i: int) -> np.ndarray:
        return np.array(list(model.evaluate(*data[i], verbose=0).values()))

    assert _in_threads({"evaluate": scores}, list(range(len(data)))) == []


def _state(layers: Any) -> list[tuple[str, Any]]:
    """Each layer attribute (and those of the activation a ``Dense`` holds): its value's
    identity, and an array's bytes."""
    return [(f"{i}.{key}", value.tobytes() if isinstance(value, np.ndarray) else
             _state([value]) if key == "_activation" and value is not None else id(value))
            for i, layer in enumerate(layers) for key, value in sorted(vars(layer).items())]


def test_inference_writes_nothing_to_the_model(tmp_path: Path) -> None:
    """The deterministic side of the threads' test: no attribute set, no array written."""
    for model in _trained(tmp_path, "float64"):
        before, x = _state(model.layers), _inputs(5)[3]
        model.predict(x), model.predict(x, batch_size=7), model(x), model.predict_on_batch(x)
        model.forward(x.astype(np.float32))
        assert _state(model.layers) == before


def test_a_relu_that_gets_its_input_unowned_writes_nothing_at_inference() -> None:
    """First in a model, called alone or held by a ``Dense``, ``ReLU`` kept its zeros for the
    shape of each inference batch (one write per new shape): training keeps them only."""
    model = nonlin.Sequential([nonlin.ReLU(), nonlin.Dense(3, activation="relu")])
    model.build(5, seed=0).compile(optimizer="sgd", loss="mse")
    model.fit(_inputs(5)[1], np.zeros((40, 3)), epochs=1, batch_size=40, verbose=0)
    before = _state(model.layers)
    for x in _inputs(5)[:4]:
        model.predict(x), model(x), model.layers[0](x)
    assert _state(model.layers) == before


def test_estimator_predictions_from_eight_threads_match_single_threaded(tmp_path: Path) -> None:
    """A float32 fit (``dtype=None``): a float64 ``X`` runs the float64 twin, first made while
    the threads run."""
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, load

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5)).astype(np.float32)
    with warnings.catch_warnings():  # not converged in 5 iterations
        warnings.simplefilter("ignore")
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(
            X, (X[:, 0] > 0) + (X[:, 1] > 1)).save(tmp_path / "est.safetensors")
    inputs = [x if i % 2 else x.astype(np.float32) for i, x in enumerate(_inputs(5))]
    expected = load(tmp_path / "est.safetensors")
    calls = {"predict": expected.predict, "predict_proba": expected.predict_proba}
    first = {name: [call(x) for x in inputs] for name, call in calls.items()}
    est = load(tmp_path / "est.safetensors")  # no twin yet: the threads make it
    assert _in_threads({"predict": est.predict, "predict_proba": est.predict_proba}, inputs) == []
    assert all(np.array_equal(est.predict_proba(x), want)
               for x, want in zip(inputs, first["predict_proba"], strict=True))


def test_load_while_saves_replace_the_file_sees_one_whole_model(tmp_path: Path) -> None:
    """Two models of other sizes saved in turn over one path while it is loaded: each load
    gives one of them (``save`` renames a finished file over the path; ``load`` reads one
    open descriptor)."""
    path, x = tmp_path / "model.safetensors", _inputs(4)[2]
    models = [nonlin.Sequential([nonlin.Dense(width), nonlin.ReLU(), nonlin.Dense(1)]).build(
        4, seed=width) for width in (3, 200)]
    outputs = [model.predict(x) for model in models]
    models[0].save(path)
    stop, saves = threading.Event(), [0]

    def save() -> None:
        while not stop.is_set():
            models[saves[0] % 2].save(path)
            saves[0] += 1

    writer = threading.Thread(target=save)
    writer.start()
    seen: list[int] = []
    try:
        while (len(seen) < 100 or saves[0] < 20) and len(seen) < 5000:
            out = nonlin.load(path).predict(x)
            seen.append(next((i for i, y in enumerate(outputs) if np.array_equal(y, out)), -1))
    finally:
        stop.set()
        writer.join()
    assert saves[0] >= 20 and set(seen) == {0, 1}


EXTRAS = ("sklearn", "matplotlib", "pandas", "scipy", "pyarrow", "polars")
# Load, predict and the command line's predict, evaluate and info (and each command's
# --help) in a fresh interpreter; then the extras it imported.
_SERVE = """
import contextlib, io, json, sys
import numpy as np
import nonlin
from nonlin.cli import main
model = nonlin.load(sys.argv[1])
x = np.ones((3, 2))
model.predict(x), model(x), model.predict(x, batch_size=2), model.predict(x[:1])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    codes = [main(["predict", sys.argv[1], sys.argv[2], "--proba"]),
             main(["evaluate", sys.argv[1], sys.argv[2], "--target", "y"]),
             main(["info", sys.argv[1]])]
    for command in ("xor", "train", "evaluate", "predict", "info", "demo"):
        try:
            main([command, "--help"])
        except SystemExit as done:
            codes.append(done.code)
print(json.dumps([codes, sorted({m.split(".")[0] for m in sys.modules} & set(EXTRAS))]))
"""


@pytest.mark.parametrize("blocked", [False, True])
def test_serving_needs_and_imports_only_the_runtime_dependencies(
        tmp_path: Path, blocked: bool) -> None:
    """In this environment (the extras installed: none imported) and with each extra made to
    fail on import, as where it is not installed (all still works)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    (tmp_path / "data.csv").write_text(
        "a,b,y\n" + "".join(f"{a},{b},{int(a > 0)}\n" for a, b in X))
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.build(2, seed=0).save(tmp_path / "m.safetensors", metadata={  # as nonlin train's
        "feature_names": ["a", "b"], "target": "y", "task": "classification", "classes": [0, 1],
        "preprocessing": {"type": "standardize", "mean": [0.0, 0.0], "scale": [1.0, 1.0]}})
    folder = tmp_path / "blocked"
    for extra in EXTRAS:
        (folder / extra).mkdir(parents=True)
        (folder / extra / "__init__.py").write_text(f"raise ImportError('{extra} blocked')\n")
    result = subprocess.run(
        [sys.executable, "-c", f"EXTRAS = {EXTRAS!r}\n{_SERVE}", str(tmp_path / "m.safetensors"),
         str(tmp_path / "data.csv")], env=cli_env(str(folder) if blocked else None),
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    codes, imported = json.loads(result.stdout.splitlines()[-1])
    assert codes == [0] * 9 and imported == []


def test_service_inputs_give_the_models_dtype_and_are_not_written(tmp_path: Path) -> None:
    """float64 or int rows into a float32 model: float32 outputs (Keras' rule: the model's
    dtype); read-only, memory-mapped, Fortran-order and strided inputs work, untouched; a 1-D
    row, an empty batch and NaN are refused saying what was received (a NaN: its row, column
    and value; scikit-learn's MLP says "Input X contains NaN")."""
    model = _trained(tmp_path, "float32")[1]
    x = _inputs(5)[2]
    np.save(tmp_path / "x.npy", x)
    frozen = x.copy()
    frozen.flags.writeable = False
    want = model.predict(x)
    for given in (frozen, np.load(tmp_path / "x.npy", mmap_mode="r"), np.asfortranarray(x),
                  np.repeat(x, 2, axis=1)[:, ::2]):
        copy = np.array(given)
        out = model.predict(given)
        assert out.dtype == np.float32 and np.allclose(out, want, rtol=1e-5)
        assert np.array_equal(given, copy)
    assert model.predict(np.rint(x).astype(int)).dtype == np.float32
    for bad, message in ((x[0], r"Received an array of shape \(5,\); .* x.reshape\(1, -1\)"),
                         (x[:0], r"Received shape \(0, 5\)"),
                         (np.where(x == x[1, 2], np.nan, x),  # s33: and the impute hint
                          r"in row 1: x\[1, 2\]=nan; fill in or drop"),
                         (np.where(x == x[4, 0], -np.inf, x), r"in row 4: x\[4, 0\]=-inf$")):
        with pytest.raises(ValueError, match=message):
            model.predict(bad)


def test_repeated_predict_calls_do_not_grow_memory(tmp_path: Path) -> None:
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.build(5, seed=0, dtype="float32").save(tmp_path / "model.safetensors")
    model, inputs = nonlin.load(tmp_path / "model.safetensors"), _inputs(5)[:4]
    for x in inputs:
        model.predict(x), model(x)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(2000):
            model.predict(inputs[i % 4]), model(inputs[i % 4])
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 4096, grown
