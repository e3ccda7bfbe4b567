"""The per-class tables of ``_saveable`` (``_ARGUMENTS``: constructor arguments) and
``_weights`` (``_OVERRIDES``: whether a layer class overrides ``get_state``) hold their
classes weakly, as ``_layer_caches``' tables do (session 25): a class defined in a function,
a loop or a notebook cell is freed after use, not kept alive by nonlin forever."""

from __future__ import annotations

import gc
import io
import weakref
from typing import Any

import numpy as np

import nonlin
from nonlin import _saveable, _weights, registry
from nonlin.optimizers import Optimizer

RNG = np.random.default_rng(7)
X = RNG.normal(size=(24, 3))
Y = X @ np.array([[1.0], [-1.0], [0.5]])


def _fit_with_a_layer_class_of_ones_own() -> tuple[weakref.ref[type], int]:
    class MyNorm(nonlin.BatchNorm):  # defined here, as in a loop or a notebook cell
        pass

    model = nonlin.Sequential([nonlin.Dense(4), MyNorm(), nonlin.Dense(1)])
    model.fit(X, Y, loss="mse", optimizer=nonlin.SGD(0.05), epochs=2, batch_size=8, verbose=0,
              seed=0)  # StepSnapshot reads _OVERRIDES at every step
    assert _weights._own_get_state(model.layers[1]) is False  # BatchNorm's _live_state is it
    return weakref.ref(MyNorm), id(MyNorm)


def _save_with_an_optimizer_class_of_ones_own() -> weakref.ref[type]:
    class Plain(Optimizer):
        def __init__(self, lr: Any = 0.01, **options: Any) -> None:
            super().__init__(lr, **options)

        def _deltas(self, params: list[Any], lr: float) -> list[np.ndarray]:  # either name
            return [-lr * p.grad for p in params]

    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Tanh(), nonlin.Dense(1)])
    model.fit(X, Y, loss="mse", optimizer=Plain(0.05), epochs=1, verbose=0, seed=0)
    registry.OPTIMIZERS["Plain"] = Plain
    try:
        nonlin.save(model, io.BytesIO())  # reads its constructor's arguments (_rebuilt_settings)
    finally:
        del registry.OPTIMIZERS["Plain"]
    assert _saveable._ARGUMENTS[Plain] == ("lr",)
    return weakref.ref(Plain)


def _tables_consistent() -> bool:
    """Every ``_OVERRIDES`` entry has its class alive beside it, and no other."""
    return (_weights._OVERRIDES.keys() == _weights._CLASSES.keys()
            and all(ref() is not None for ref in _weights._CLASSES.values()))


def test_a_layer_class_read_at_every_step_is_freed_after_use() -> None:
    ref, key = _fit_with_a_layer_class_of_ones_own()
    gc.collect()
    assert ref() is None  # nothing of nonlin keeps it
    assert key not in _weights._CLASSES or _weights._CLASSES[key]() is not None  # no stale
    assert _tables_consistent()


def test_an_optimizer_class_whose_arguments_were_read_is_freed_after_use() -> None:
    ref = _save_with_an_optimizer_class_of_ones_own()
    gc.collect()
    assert ref() is None
    assert "Plain" not in {cls.__name__ for cls in _saveable._ARGUMENTS}  # its entry went too


def test_the_tables_still_answer_for_live_classes() -> None:
    class OwnState(nonlin.BatchNorm):
        def get_state(self) -> dict[str, np.ndarray]:  # overrides: it is the state
            return {"moving_mean": self.moving_mean.copy()}

    layer = OwnState()
    layer.build(3, np.random.default_rng(0))
    assert list(_weights.layer_state(layer)) == ["moving_mean"]
    assert _weights._OVERRIDES[id(OwnState)] is True
    plain = nonlin.BatchNorm()
    plain.build(3, np.random.default_rng(0))
    assert list(_weights.layer_state(plain)) == ["moving_mean", "moving_variance"]
    assert _saveable._arguments(nonlin.Dense)[:1] == ("units",)
    assert _tables_consistent()
