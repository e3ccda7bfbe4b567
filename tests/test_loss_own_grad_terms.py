"""A loss of one's own whose ``_grad_terms`` returns a new array instead of writing ``out``
(the guide asks for ``out``; an easy slip) trains on its values, not on ``out``'s leftovers."""

from __future__ import annotations

import numpy as np

import nonlin
from nonlin.losses import Loss


class _WritesOut(Loss):
    def _sample_losses(self, y_true, y_pred):
        return 0.5 * ((y_pred - y_true) ** 2).sum(axis=1)

    def _grad_terms(self, y_true, y_pred, out):
        return np.subtract(y_pred, y_true, out=out)


class _ReturnsNew(_WritesOut):
    def _grad_terms(self, y_true, y_pred, out):
        return y_pred - y_true  # out left as it was


def _fit(loss: Loss) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.Tanh(), nonlin.Dense(1)])
    model.fit(X, y, loss=loss, optimizer=nonlin.SGD(0.05), epochs=3, batch_size=16, seed=0,
              verbose=0)
    return model.get_weights()


def test_a_returned_array_is_the_gradient() -> None:
    for a, b in zip(_fit(_ReturnsNew()), _fit(_WritesOut()), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_grad_of_a_returned_array_with_weights_and_mean() -> None:
    rng = np.random.default_rng(1)
    y_true, y_pred, w = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.random(5)
    out = np.full((5, 2), 1e30)  # leftovers that must not show through
    got = _ReturnsNew()._grad(y_true, y_pred, w, out)
    np.testing.assert_allclose(got, (y_pred - y_true) * w[:, None] / 5, rtol=1e-15)
