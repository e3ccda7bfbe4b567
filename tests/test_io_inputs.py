"""Inputs to fit / evaluate / predict are never mutated; read-only arrays and memmaps work."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Sequential, Sigmoid, Softmax


def _frozen(*arrays):
    """Read-only copies: any write by the library raises instead of passing silently."""
    out = []
    for arr in arrays:
        arr = np.array(arr)
        arr.flags.writeable = False
        out.append(arr)
    return out


def _task(kind, n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    labels = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    if kind == "cross_entropy":
        return X, labels, [Dense(5), Dense(3), Softmax()]
    if kind == "one_hot":
        return X, np.eye(3)[labels], [Dense(5), Dense(3), Softmax()]
    if kind == "bce":
        return X, (labels > 0).astype(float)[:, None], [Dense(4), Dense(1), Sigmoid()]
    return X, X @ [[1.0], [-2.0], [0.5]], [Dense(4), Dense(1)]


LOSS = {"cross_entropy": "cross_entropy", "one_hot": "cross_entropy", "bce": "bce", "mse": "mse"}


@pytest.mark.parametrize("kind", sorted(LOSS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_read_only_inputs_are_used_and_never_mutated(kind, dtype):
    X, y, layers = _task(kind)
    X = X.astype(dtype)
    w = np.linspace(0.5, 2.0, len(X))
    X, y, w, X_val, y_val = _frozen(X, y, w, X[:10], y[:10])
    before = [a.tobytes() for a in (X, y, w, X_val, y_val)]
    model = Sequential(layers)
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5} if kind == "cross_entropy" else None
    model.fit(
        X,
        y,
        loss=LOSS[kind],
        optimizer="adam",
        epochs=2,
        batch_size=8,
        seed=0,
        sample_weight=w,
        class_weight=class_weight,
        validation_data=(X_val, y_val),
        metrics=["accuracy"] if kind != "mse" else [],
        verbose=0,
    )
    model.fit(X, y, loss=LOSS[kind], optimizer="sgd", epochs=1, validation_split=0.25, verbose=0)
    model.evaluate(X, y, sample_weight=w)
    model.predict(X)
    model.predict(X, batch_size=7)
    assert [a.tobytes() for a in (X, y, w, X_val, y_val)] == before


@pytest.mark.parametrize("mode", ["r", "c"])
def test_memory_maps_work_everywhere(tmp_path, mode):
    X, y, layers = _task("cross_entropy", n=80)
    maps = {}
    for name, arr in (("X", X), ("y", y), ("w", np.ones(len(y)))):
        path = tmp_path / f"{name}.dat"
        writer = np.memmap(path, dtype=arr.dtype, mode="w+", shape=arr.shape)
        writer[:] = arr
        writer.flush()
        del writer
        maps[name] = np.memmap(path, dtype=arr.dtype, mode=mode, shape=arr.shape)
    model = Sequential(layers)
    model.fit(
        maps["X"],
        maps["y"],
        loss="cross_entropy",
        optimizer="adam",
        epochs=2,
        batch_size=16,
        sample_weight=maps["w"],
        validation_split=0.2,
        seed=1,
        verbose=0,
    )
    reference = Sequential(_task("cross_entropy", n=80)[2])
    reference.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer="adam",
        epochs=2,
        batch_size=16,
        sample_weight=np.ones(len(y)),
        validation_split=0.2,
        seed=1,
        verbose=0,
    )
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert model.evaluate(maps["X"], maps["y"]) == reference.evaluate(X, y)
    np.testing.assert_array_equal(model.predict(maps["X"], batch_size=9), reference.predict(X))
    np.testing.assert_array_equal(np.asarray(maps["X"]), X)


@pytest.mark.parametrize(
    "layout",
    [np.asfortranarray, lambda a: np.repeat(a, 2, axis=1)[:, ::2], lambda a: a[::-1][::-1]],
)
def test_non_contiguous_inputs_train_bit_identically(layout):
    X, y, _ = _task("cross_entropy")
    runs = []
    for data in (X, layout(X)):
        model = Sequential(_task("cross_entropy")[2])
        model.fit(
            data,
            y,
            loss="cross_entropy",
            optimizer="adam",
            epochs=2,
            batch_size=8,
            seed=4,
            verbose=0,
        )
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        assert a.tobytes() == b.tobytes()


def test_predict_returns_fresh_arrays_that_do_not_alias_the_input():
    X, _, layers = _task("mse")
    model = Sequential([Dense(3)]).build(3, seed=0)
    X = _frozen(X)[0]
    out = model.predict(X)
    assert out.flags.writeable and not np.shares_memory(out, X)


@pytest.mark.parametrize(
    "loss, layers", [("bce", [Dense(1), Sigmoid()]), ("cross_entropy", [Dense(2), Softmax()])]
)
def test_single_class_warns(loss, layers):
    """A warning, not an error (Keras and PyTorch train on it; see test_review_s11_training)."""
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.ones(8) if loss == "bce" else np.zeros(8, dtype=int)
    with pytest.warns(UserWarning, match="only class"):
        Sequential(layers).fit(X, y, loss=loss, optimizer="sgd", verbose=0)


def test_loss_refuses_nan_predictions():
    with pytest.raises(ValueError, match="finite"):
        nonlin.CrossEntropy()(np.array([0, 1]), np.array([[np.nan, 1.0], [0.5, 0.5]]))


def test_evaluate_accepts_a_single_class():
    X = np.random.default_rng(0).normal(size=(8, 2))
    model = Sequential([Dense(2), Softmax()])
    model.fit(X, np.array([0, 1] * 4), loss="cross_entropy", optimizer="sgd", verbose=0)
    scores = model.evaluate(X, np.zeros(8, dtype=int), metrics=["accuracy"])
    assert 0.0 <= scores["accuracy"] <= 1.0
