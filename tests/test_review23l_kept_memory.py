"""What train_on_batch keeps between calls holds no optimizer, loss or weights that compile
or build replaced: as before the kept state, they go once the model drops them."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import nonlin


def _trained() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 6)), rng.integers(0, 3, 32)
    layers = [nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(3), nonlin.Softmax()]
    model = nonlin.Sequential(layers).build(6, seed=0)
    model.compile(nonlin.Adam(), nonlin.CrossEntropy(), metrics=["accuracy"])
    model.train_on_batch(X, y)
    model.train_on_batch(X, y)
    return model, X, y


def _weights_buffer(model: nonlin.Sequential) -> np.ndarray:
    value = model.layers[0].parameters()[0].value
    return value if value.base is None else value.base  # the flat buffer packed by build


def test_compile_lets_the_former_optimizer_and_loss_go() -> None:
    model, X, y = _trained()
    optimizer, loss = weakref.ref(model.optimizer), weakref.ref(model.loss)
    model.compile(nonlin.Adam(), nonlin.CrossEntropy())
    gc.collect()
    assert optimizer() is None and loss() is None
    model.fit(X, y, epochs=1, verbose=0)
    assert np.isfinite(model.train_on_batch(X, y)).all()


def test_build_and_compile_let_the_former_weights_go() -> None:
    model, X, y = _trained()
    weights = weakref.ref(_weights_buffer(model))
    model.build(6, seed=1)
    model.compile(nonlin.Adam(), model.loss)  # the former optimizer held them (its owners)
    gc.collect()
    assert weights() is None
    assert np.isfinite(model.train_on_batch(X, y)).all()
