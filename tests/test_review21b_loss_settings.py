"""Review of s21-left21's check of loss settings (``_loss_checks.check_settings``): a
``reduction`` that a loss subclass of one's own sets in its class body is checked as one set
on the instance is; ``"sum"``, ``"mean"`` or ``"none"`` there still work as before."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.losses import Loss

X = np.random.default_rng(0).normal(size=(12, 3))
Y = np.random.default_rng(1).normal(size=(12, 2))


class _Squares(Loss):
    """A loss of one's own: no constructor, no ``_settings``, an attribute of its own."""

    scale = 2.0

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self.scale * np.square(y_pred - y_true).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> Any:
        return np.multiply(y_pred - y_true, 2.0 * self.scale, out=out)


def _fit(loss: Loss) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.fit(X, Y, loss=loss, optimizer="sgd", epochs=2, batch_size=4, verbose=0)
    return model


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", None, "Sum"])
def test_a_class_body_reduction_of_another_spelling_is_refused(reduction: Any) -> None:
    # Keras' names would reduce as "sum" here (the math reads "mean" or not): refused, as the
    # same value set on the instance is, before anything trains
    body = type("Body", (_Squares,), {"reduction": reduction})
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"Expected reduction 'mean', 'sum' or 'none'.*Received"):
        model.fit(X, Y, loss=body(), optimizer="sgd", epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match="Expected reduction"):
        body()(Y, Y)  # the loss's own call too


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_a_class_body_reduction_that_is_valid_trains_as_set_on_the_instance(reduction) -> None:
    body = type("Body", (_Squares,), {"reduction": reduction})
    instance = _Squares()
    instance.reduction = reduction
    for a, b in zip(_fit(body()).get_weights(), _fit(instance).get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_property_or_a_subclass_attribute_is_not_read_as_a_setting() -> None:
    class Computed(_Squares):
        @property
        def reduction(self) -> str:  # type: ignore[override]
            return "sum"

    class Own(nonlin.losses.MeanSquaredError):
        def __init__(self, extra: int = 3) -> None:
            super().__init__(reduction="sum")
            self.extra = extra

    _fit(Computed())
    _fit(Own())
