"""Every loss: value against its formula, gradient against finite differences, stable extremes."""

import warnings

import numpy as np
import pytest

from loss_helpers import predictions, targets
from nonlin import (
    BinaryCrossEntropy,
    CrossEntropy,
    Huber,
    Identity,
    MeanAbsoluteError,
    MeanSquaredError,
    Sequential,
    gradcheck,
)
from nonlin.registry import loss as loss_by_name

RNG = np.random.default_rng(0)


CASES = {
    "mse_mean": (MeanSquaredError(), "real", "scores"),
    "mse_sum": (MeanSquaredError(reduction="sum"), "real", "scores"),
    "mae": (MeanAbsoluteError(), "real", "scores"),
    "huber": (Huber(delta=0.5), "real", "scores"),
    "bce_logits": (BinaryCrossEntropy(from_logits=True), "binary", "scores"),
    "bce_probabilities": (BinaryCrossEntropy(), "binary", "probabilities"),
    "ce_logits_labels": (CrossEntropy(from_logits=True), "labels", "scores"),
    "ce_logits_onehot": (CrossEntropy(from_logits=True), "onehot", "scores"),
    "ce_probabilities_labels": (CrossEntropy(), "labels", "probabilities"),
    "ce_probabilities_onehot": (CrossEntropy(), "onehot", "probabilities"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_loss_gradient_matches_finite_differences(case, batch):
    loss, target_kind, pred_kind = CASES[case]
    model = Sequential([Identity()]).build(3)
    assert gradcheck(model, loss, predictions(pred_kind, batch), targets(target_kind, batch)) < 1e-6


@pytest.mark.parametrize("case", CASES)
def test_float32_kept(case):
    loss, target_kind, pred_kind = CASES[case]
    p = predictions(pred_kind, 5).astype(np.float32)
    g = loss.grad(targets(target_kind, 5), p)
    assert g.dtype == np.float32 and g.shape == p.shape
    assert isinstance(loss(targets(target_kind, 5), p), float)


def test_values_match_formulas():
    y, p = targets("real", 6), predictions("scores", 6)
    assert MeanSquaredError()(y, p) == pytest.approx(0.5 * ((p - y) ** 2).sum() / 6, rel=1e-14)
    assert MeanSquaredError(reduction="sum")(y, p) == pytest.approx(0.5 * ((p - y) ** 2).sum())
    assert MeanAbsoluteError()(y, p) == pytest.approx(np.abs(p - y).sum() / 6, rel=1e-14)
    r = np.abs(p - y)
    huber = np.where(r <= 0.5, 0.5 * r**2, 0.5 * (r - 0.25)).sum() / 6
    assert Huber(delta=0.5)(y, p) == pytest.approx(huber, rel=1e-14)
    yb = targets("binary", 6)
    s = 1 / (1 + np.exp(-p))
    bce = -(yb * np.log(s) + (1 - yb) * np.log(1 - s)).sum() / 6
    assert BinaryCrossEntropy(from_logits=True)(yb, p) == pytest.approx(bce, rel=1e-12)
    assert BinaryCrossEntropy()(yb, s) == pytest.approx(bce, rel=1e-12)
    labels = targets("labels", 6)
    soft = np.exp(p) / np.exp(p).sum(axis=1, keepdims=True)
    ce = -np.log(soft[np.arange(6), labels]).sum() / 6
    assert CrossEntropy(from_logits=True)(labels, p) == pytest.approx(ce, rel=1e-12)
    assert CrossEntropy()(np.eye(3)[labels], soft) == pytest.approx(ce, rel=1e-12)


def test_fused_gradients_are_p_minus_y():
    labels, z = targets("labels", 4), predictions("scores", 4)
    soft = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        CrossEntropy(from_logits=True).grad(labels, z), (soft - np.eye(3)[labels]) / 4, atol=1e-15
    )
    yb = targets("binary", 4)
    np.testing.assert_allclose(
        BinaryCrossEntropy(from_logits=True).grad(yb, z),
        (1 / (1 + np.exp(-z)) - yb) / 4,
        atol=1e-15,
    )


def test_sample_weights_scale_each_sample():
    y, p, w = targets("real", 4), predictions("scores", 4), np.array([0.0, 1.0, 2.0, 0.5])
    per_sample = 0.5 * ((p - y) ** 2).sum(axis=1)
    assert MeanSquaredError()(y, p, w) == pytest.approx((per_sample * w).sum() / 4)
    np.testing.assert_allclose(MeanSquaredError().grad(y, p, w), (p - y) * w[:, None] / 4)


def test_extremes_are_finite_without_warnings():
    z = np.array([[1e308, -1e308, 0.0], [-1e3, 1e3, 1e3], [5.0, 5.0, 5.0]])
    p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss, y_true, y_pred in [
            (CrossEntropy(), np.array([0, 1, 2]), p),
            (CrossEntropy(), np.eye(3), p),
            (BinaryCrossEntropy(), np.eye(3), p),
            (BinaryCrossEntropy(from_logits=True), np.eye(3), z),
            (CrossEntropy(from_logits=True), np.array([0, 1, 2]), z),
        ]:
            assert np.isfinite(loss(y_true, y_pred))
            assert np.all(np.isfinite(loss.grad(y_true, y_pred)))
    assert CrossEntropy(from_logits=True)(np.array([0]), np.array([[1e308, -1e308]])) == 0.0
    assert BinaryCrossEntropy(from_logits=True)(np.array([[1.0]]), np.array([[1e308]])) == 0.0


def test_bad_targets_name_what_was_received():
    with pytest.raises(ValueError, match=r"\[0, 3\).*Received label 3"):
        CrossEntropy(from_logits=True)(np.array([0, 3]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Received label -1"):
        CrossEntropy()(np.array([-1, 0]), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"y_true of shape \(2, 3\).*Received shape \(2, 2\)"):
        MeanSquaredError()(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\].*Received 2.0"):
        BinaryCrossEntropy()(np.array([[2.0]]), np.array([[0.5]]))
    with pytest.raises(ValueError, match=r"finite y_pred. Received nan at index \(1, 0\)"):
        MeanSquaredError()(np.zeros((2, 1)), np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"finite y_true. Received inf"):
        MeanSquaredError().grad(np.array([[np.inf]]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="reduction='avg'"):
        MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="delta=-1"):
        Huber(delta=-1)


def test_registry_resolves_loss_names():
    assert isinstance(loss_by_name("mse"), MeanSquaredError)
    assert loss_by_name("cross_entropy", from_logits=True).from_logits is True
    with pytest.raises(ValueError, match="Unknown loss 'msee'"):
        loss_by_name("msee")
