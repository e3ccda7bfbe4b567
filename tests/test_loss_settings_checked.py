"""A loss attribute set after construction is checked as the constructor checks it, by fit,
compile, evaluate and the public calls (was: ``loss.gamma = nan`` trained with NaN losses;
``loss.reduction = "sum_over_batch_size"`` summed where Keras means a mean)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.losses import BinaryCrossEntropy, CrossEntropy, Huber, MeanSquaredError
from nonlin.losses_extra import BinaryFocalCrossentropy, CategoricalFocalCrossentropy

X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.array([0, 1] * 4)

SET = [
    (BinaryFocalCrossentropy, "gamma", float("nan"), "gamma=nan"),
    (BinaryFocalCrossentropy, "alpha", 1.5, "alpha=1.5"),
    (BinaryFocalCrossentropy, "label_smoothing", -0.1, "label_smoothing=-0.1"),
    (BinaryFocalCrossentropy, "apply_class_balancing", "yes", "apply_class_balancing="),
    (CategoricalFocalCrossentropy, "gamma", float("inf"), "gamma=inf"),
    (CategoricalFocalCrossentropy, "alpha", [0.5, 0.5], "alpha=\\[0.5, 0.5\\]"),
    (CategoricalFocalCrossentropy, "alpha", (0.5, -1.0), "alpha\\[1\\]=-1.0"),
    (BinaryCrossEntropy, "from_logits", 1, "from_logits="),
    (CrossEntropy, "from_logits", None, "from_logits="),
    (Huber, "delta", 0.0, "delta=0.0"),
    (MeanSquaredError, "reduction", "sum_over_batch_size", "reduction='sum_over_batch_size'"),
    (MeanSquaredError, "reduction", None, "reduction=None"),
]


def _model(loss) -> nonlin.Sequential:
    binary = isinstance(loss, BinaryCrossEntropy)
    regression = not isinstance(loss, BinaryCrossEntropy | CrossEntropy)
    head = [nonlin.Dense(1), nonlin.Sigmoid()] if binary else [nonlin.Dense(
        1 if regression else 2)]
    if isinstance(loss, CrossEntropy) and not loss.from_logits:
        head.append(nonlin.Softmax())
    return nonlin.Sequential(head).build(3, seed=0)


@pytest.mark.parametrize("cls, name, value, shown", SET)
def test_fit_compile_evaluate_and_calls_refuse_it(cls, name, value, shown) -> None:
    loss = cls()
    model = _model(loss)
    before = [w.copy() for w in model.get_weights()]
    setattr(loss, name, value)
    with pytest.raises((ValueError, TypeError), match=shown):
        model.fit(X, Y, loss=loss, optimizer="sgd", epochs=1, verbose=0)
    with pytest.raises((ValueError, TypeError), match=shown):
        model.compile("sgd", loss)
    with pytest.raises((ValueError, TypeError), match=shown):
        model.evaluate(X, Y, loss=loss)
    with pytest.raises((ValueError, TypeError), match=shown):
        loss(Y, np.full((8, 1 if isinstance(loss, BinaryCrossEntropy) else 2), 0.5))
    for a, b in zip(model.get_weights(), before, strict=True):  # nothing trained
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls, name, value", [
    (BinaryFocalCrossentropy, "gamma", 0), (CategoricalFocalCrossentropy, "alpha", (0.2, 0.8)),
    (MeanSquaredError, "reduction", "sum"), (Huber, "delta", 2)])
def test_valid_values_set_later_are_taken_as_they_are(cls, name, value) -> None:
    loss = cls()
    setattr(loss, name, value)
    model = _model(loss)
    model.fit(X, Y.astype(float), loss=loss, optimizer="sgd", epochs=1, verbose=0)
    assert getattr(loss, name) == value and type(getattr(loss, name)) is type(value)
