"""Optimizer and callback details checked against Keras 3's source (QA pass)."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import Adagrad, Param, RMSprop


def _param(g: list[float]) -> Param:
    p = Param(np.zeros(len(g)))
    p.grad[...] = g
    return p


def test_rmsprop_adds_epsilon_under_the_square_root_as_keras() -> None:
    # keras.optimizers.RMSprop: w -= lr * g / sqrt(v + epsilon); with a tiny gradient the
    # default epsilon (1e-7) under the root dominates: the step is far from lr * sign(g).
    g = np.array([1e-4, -2e-5, 0.5])
    p = _param(list(g))
    RMSprop(lr=0.01, rho=0.9).step([p])
    v = 0.1 * g * g
    np.testing.assert_allclose(p.value, -0.01 * g / np.sqrt(v + 1e-7), rtol=1e-12)


def test_adagrad_adds_epsilon_under_the_square_root_as_keras() -> None:
    # keras.optimizers.Adagrad: a += g^2; w -= lr * g / sqrt(a + epsilon)
    g = np.array([1e-4, -3.0, 0.25])
    p = _param(list(g))
    Adagrad(lr=0.1, initial_accumulator_value=0.0, epsilon=1e-3).step([p])
    np.testing.assert_allclose(p.value, -0.1 * g / np.sqrt(g * g + 1e-3), rtol=1e-12)
