"""Review of s21-probmetrics' name rule (``_loss_metric_names.loss_metric``): a cross-entropy
metric given by name reads logits when the loss's ``from_logits`` is ``np.True_``, which
``check_bool`` takes on an existing loss and the loss's math reads as true, as it does
for ``True``; ``"accuracy"`` already followed it."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.metrics import get_metric

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X[:, 0] - X[:, 1] > 0).astype(float)


def _numpy_flag(loss):
    loss.from_logits = np.True_  # checked as the constructor checks it: a flag
    return loss


@pytest.mark.parametrize("name", ["binary_crossentropy", "bce"])
def test_a_numpy_true_flag_gives_a_binary_cross_entropy_from_logits(name) -> None:
    metric = get_metric(name, loss=_numpy_flag(nonlin.BinaryCrossEntropy()))
    assert metric.get_config()["from_logits"] is True


def test_a_numpy_true_flag_gives_a_categorical_cross_entropy_from_logits() -> None:
    loss = _numpy_flag(nonlin.CrossEntropy())
    assert get_metric("categorical_crossentropy", loss=loss).get_config()["from_logits"] is True
    with pytest.raises(ValueError, match="Expected a loss taking probabilities, or sigmoid"):
        get_metric("binary_crossentropy", loss=loss)  # softmax logits: refused, as for True


def test_fit_logs_the_same_cross_entropy_for_a_numpy_true_flag() -> None:
    histories = []
    for loss in (nonlin.BinaryCrossEntropy(from_logits=True),
                 _numpy_flag(nonlin.BinaryCrossEntropy())):
        model = nonlin.Sequential([nonlin.Dense(1)])
        histories.append(model.fit(X, Y, loss=loss, optimizer="adam", epochs=2, seed=0,
                                   verbose=0, metrics=["binary_crossentropy", "accuracy"]))
    assert histories[0].history == histories[1].history


def test_a_truthy_attribute_of_a_loss_of_ones_own_is_no_flag() -> None:
    class Own(nonlin.MeanSquaredError):
        from_logits = "yes"  # not a flag: the metric reads probabilities, as before

    assert get_metric("binary_crossentropy", loss=Own()).get_config()["from_logits"] is False
