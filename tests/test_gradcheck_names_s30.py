"""Session 30 review of ``gradcheck_errors``: names that collide must not hide an array.

``gradcheck`` is the largest of ``gradcheck_errors``' values; when two different arrays got
the same name, the dict kept one error, and ``gradcheck`` could miss a wrong gradient that
the check before ``gradcheck_errors`` caught.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer, Param


class Scales(Layer):
    """y = x * w_0 * w_1 * ...; ``wrong`` names the Param whose gradient is off by 2x."""

    _inputs = ("_x",)

    def __init__(self, names: tuple[str, ...], wrong: int | None = None, tie: Scales | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.names, self.wrong, self.tie = names, wrong, tie

    def build(self, n_in, rng):
        self.ps = (self.tie.ps if self.tie is not None else
                   [Param(np.linspace(0.5, 1.5, n_in) + i, name=n)
                    for i, n in enumerate(self.names)])
        return n_in

    def parameters(self):
        return list(self.ps)

    def forward(self, x, *, training=False):
        if training:
            self._x = x
        return x * np.prod([p.value for p in self.ps], axis=0)

    def backward(self, grad_out):
        prod = np.prod([p.value for p in self.ps], axis=0)
        for k, p in enumerate(self.ps):
            p.grad[...] = (grad_out * self._x * prod / p.value).sum(axis=0) * (
                2.0 if k == self.wrong else 1.0)
        return grad_out * prod


def _check(*layers: Layer) -> tuple[nonlin.Sequential, dict[str, float], float, np.ndarray]:
    model = nonlin.Sequential([nonlin.Dense(3), *layers, nonlin.Dense(1)]).build(3, seed=0)
    X = np.random.default_rng(0).normal(size=(6, 3))
    y = np.random.default_rng(1).normal(size=(6, 1))
    errors = nonlin.gradcheck_errors(model, "mse", X, y)
    return model, errors, nonlin.gradcheck(model, "mse", X, y), X


def test_a_name_taken_twice_over_keeps_every_array():
    # "w", "2", "w": the second "w" falls back to its position, "scales.2", the name of the
    # Param called "2"; that one's wrong gradient was overwritten by a right one
    model, errors, largest, _ = _check(Scales(("w", "2", "w"), wrong=1))
    assert len(errors) == len(model.parameters()) + 1  # every array and the input
    assert list(errors)[2:5] == ["scales.w", "scales.2", "scales.2~1"]
    assert errors["scales.2"] == pytest.approx(1 / 3, rel=1e-6)  # the wrong one, by its name
    assert largest == pytest.approx(1 / 3, rel=1e-6)  # gradcheck still sees it


def test_names_across_layers_that_spell_the_same_keep_every_array():
    # layer "a" with Param "b.w", layer "a.b" with Param "w": both "a.b.w"
    model, errors, largest, _ = _check(Scales(("b.w",), name="a"),
                                       Scales(("w",), wrong=0, name="a.b"))
    assert len(errors) == len(model.parameters()) + 1
    assert largest == pytest.approx(1 / 3, rel=1e-6)
    assert max(errors.values()) == largest


def test_a_param_shared_by_two_layers_is_one_array_named_by_the_first():
    first = Scales(("w",))
    model, errors, largest, _ = _check(first, Scales(("v",), tie=first))
    assert len(model.parameters()) == 6  # listed by both layers
    assert list(errors) == ["dense.W", "dense.b", "scales.w", "dense_1.W", "dense_1.b",
                            "input"]
    assert max(errors.values()) == largest

