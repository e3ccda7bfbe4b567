"""evaluate and val_loss score a final Softmax / Sigmoid with its cross-entropy from the
logits, as fit trains it: the three agree even where clipped probabilities would cap
each sample's loss, and the metrics still see the probabilities predict gives."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import (
    SGD,
    BinaryCrossEntropy,
    CrossEntropy,
    Dense,
    Sequential,
    Sigmoid,
    Softmax,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3))
LABELS = RNG.integers(0, 3, 60)
BITS = (RNG.random((60, 2)) > 0.5).astype(float)
CASES = {
    "softmax labels": ([Dense(3), Softmax()], CrossEntropy, LABELS),
    "softmax one-hot": ([Dense(3), Softmax()], CrossEntropy, np.eye(3)[LABELS]),
    "sigmoid": ([Dense(2), Sigmoid()], BinaryCrossEntropy, BITS),
}


def _confident(name: str, dtype) -> tuple[Sequential, object, np.ndarray]:
    layers, loss, y = CASES[name]
    model = Sequential([type(layer)(**layer.get_config()) for layer in layers])
    model.build(3, seed=0, dtype=dtype)
    model.set_weights([w * 200 for w in model.get_weights()])  # logits of a few hundred
    return model, loss(), y


@pytest.mark.parametrize("dtype, rel", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_training_loss_val_loss_and_evaluate_agree(name, dtype, rel) -> None:
    model, loss, y = _confident(name, dtype)
    # a step too small to move the weights: the epoch's loss is that of these weights
    history = model.fit(X, y, loss=loss, optimizer=SGD(1e-300), batch_size=20, shuffle=False,
                        verbose=0, validation_data=(X, y))
    train, val = history.history["loss"][0], history.history["val_loss"][0]
    assert train > 50  # clipped probabilities would cap each sample near 34.5 (16.1 in float32)
    assert val == pytest.approx(train, rel=rel)
    for batch_size in (None, 7):
        assert model.evaluate(X, y, batch_size=batch_size)["loss"] == pytest.approx(train, rel=rel)


@pytest.mark.parametrize("name", sorted(CASES))
def test_metrics_see_the_probabilities_predict_gives(name) -> None:
    model, loss, y = _confident(name, np.float64)
    model.layers[0].W.value[:] /= 100  # probabilities away from 0 and 1
    seen = []

    def record(y_true, y_pred):  # a plain function: it reads every output at once
        seen.append(np.array(y_pred, copy=True))
        return 0.0

    w = RNG.random(60)
    probabilities = model.predict(X)
    for batch_size in (None, 7):
        result = model.evaluate(X, y, loss=loss, metrics=["accuracy", record],
                                batch_size=batch_size, sample_weight=w)
        np.testing.assert_array_equal(seen.pop(), probabilities)
        alone = model.evaluate(X, y, loss=loss, metrics=["accuracy"], batch_size=batch_size)
        assert result["accuracy"] == alone["accuracy"]
        # away from the clipping the from-logits loss is the loss of the probabilities
        assert result["loss"] == pytest.approx(loss(y, probabilities, sample_weight=w),
                                               rel=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_sum_reduction_is_scored_through_the_logits_as_fit_trains_it(name) -> None:
    model, mean, y = _confident(name, np.float64)
    summed = type(mean)(reduction="sum")  # fit fuses "sum" as it fuses "mean"
    for batch_size in (None, 7):
        result = model.evaluate(X, y, loss=summed, batch_size=batch_size)["loss"]
        assert result > 50 * 60  # not capped by clipped probabilities
        assert result == pytest.approx(
            model.evaluate(X, y, loss=mean, batch_size=batch_size)["loss"] * 60, rel=1e-12)


def test_the_loss_of_given_probabilities_is_still_clipped() -> None:
    p = np.array([[1.0, 0.0, 0.0]])
    assert CrossEntropy()([1], p) == pytest.approx(-np.log(1e-15))
    assert BinaryCrossEntropy()([[1.0]], [[0.0]]) == pytest.approx(-np.log(1e-15))
