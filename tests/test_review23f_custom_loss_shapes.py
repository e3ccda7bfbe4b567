"""A loss of one's own (the guide's "A custom loss") whose methods return another shape than
the guide asks for is refused, naming the method and the shape: ``_sample_losses`` giving
(n_samples, 1) raised NumPy's "non-broadcastable output operand ... (12,12)" with sample
weights (and ``reduction="none"`` returned (n, 1), not (n,)), and ``_grad_terms`` returning
a scalar or one row was broadcast into every row of the gradient (``fit`` trained on it,
silently); a 1-D one raised NumPy's "could not broadcast input array"."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.losses import Loss

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))
Y = X @ np.array([[1.0], [-2.0], [0.5]])


class Squares(Loss):
    """l_i = sum_j (p_ij - y_ij)^2, its methods returning what ``mode`` says."""

    def __init__(self, mode: str = "right") -> None:
        self.mode = mode

    def _sample_losses(self, y_true, y_pred):
        squares = (y_pred - y_true) ** 2
        return squares if self.mode == "column" else squares.sum(axis=1)

    def _grad_terms(self, y_true, y_pred, out):
        grad = 2 * (y_pred - y_true)
        return {"right": grad, "column": grad, "scalar": float(grad.mean()),
                "row": grad[:1], "flat": grad[:, 0]}[self.mode]


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)


def test_per_sample_losses_of_one_column_are_refused_with_weights_or_without():
    p, w = _model().predict(X), rng.uniform(size=12)
    with pytest.raises(ValueError, match=r"Squares\._sample_losses to return the per-sample "
                                         r"losses as an array of shape \(12,\)\. Received "
                                         r"shape \(12, 1\)"):
        Squares("column")(Y, p, sample_weight=w)
    with pytest.raises(ValueError, match=r"_sample_losses .* Received shape \(4, 1\)"):
        _model().fit(X, Y, loss=Squares("column"), optimizer="sgd", epochs=1, batch_size=4,
                     verbose=0, seed=0)


@pytest.mark.parametrize(("mode", "shown"), [("scalar", r"a float of shape \(\)"),
                                             ("row", r"shape \(1, 1\)"),
                                             ("flat", r"shape \(12,\)")])
def test_a_gradient_of_another_shape_is_refused_not_broadcast(mode, shown):
    with pytest.raises(ValueError, match=r"Squares\._grad_terms to return d l_i / d y_pred as "
                                         rf"an array of shape \(12, 1\)\. Received {shown}"):
        _model().fit(X, Y, loss=Squares(mode), optimizer="sgd", epochs=1, batch_size=12,
                     verbose=0, seed=0)
    with pytest.raises(ValueError, match=r"_grad_terms"):
        Squares(mode).grad(Y, _model().predict(X))


def test_the_guide_s_contract_still_trains():
    # guard (passes before too): a new array of the right shape is the gradient
    model = _model()
    history = model.fit(X, Y, loss=Squares(), optimizer="sgd", epochs=3, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert nonlin.gradcheck(_model(), Squares(), X[:5], Y[:5]) < 1e-6
