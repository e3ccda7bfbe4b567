"""reduction="none" (PyTorch's 'none', Keras' None): one loss per sample, for every loss;
refused where a number per batch is needed (fit, evaluate, compile); gradcheck checks the sum."""

import numpy as np
import pytest

import nonlin
from loss_helpers import predictions as _predictions
from loss_helpers import targets as _targets
from nonlin import (
    SGD,
    BinaryCrossEntropy,
    CrossEntropy,
    Dense,
    Huber,
    Identity,
    MeanAbsoluteError,
    MeanSquaredError,
    Sequential,
    gradcheck,
)
from nonlin.registry import loss as loss_by_name

# registry name, constructor arguments, target kind, prediction kind
CASES = {
    "mse": ("mse", {}, "real", "scores"),
    "mae": ("mae", {}, "real", "scores"),
    "huber": ("huber", {"delta": 0.5}, "real", "scores"),
    "bce_logits": ("bce", {"from_logits": True}, "binary", "scores"),
    "bce_probabilities": ("bce", {}, "binary", "probabilities"),
    "ce_logits_labels": ("cross_entropy", {"from_logits": True}, "labels", "scores"),
    "ce_logits_onehot": ("cross_entropy", {"from_logits": True}, "onehot", "scores"),
    "ce_probabilities_labels": ("cross_entropy", {}, "labels", "probabilities"),
    "ce_probabilities_onehot": ("cross_entropy", {}, "onehot", "probabilities"),
    "hinge": ("hinge", {}, "binary", "scores"),
    "squared_hinge": ("squared_hinge", {}, "binary", "scores"),
    "categorical_hinge": ("categorical_hinge", {}, "onehot", "scores"),
    "focal_probabilities": ("binary_focal_crossentropy", {}, "binary", "probabilities"),
    "focal_logits": ("binary_focal_crossentropy",
                     {"from_logits": True, "apply_class_balancing": True}, "binary", "scores"),
    "msle": ("msle", {}, "binary", "probabilities"),
    "mape": ("mape", {}, "real", "scores"),
    "cosine_similarity": ("cosine_similarity", {}, "real", "scores"),
}


def _case(case, reduction, n=6, dtype=np.float64):
    name, kwargs, target_kind, pred_kind = CASES[case]
    loss = loss_by_name(name, reduction=reduction, **kwargs)
    return loss, _targets(target_kind, n), _predictions(pred_kind, n).astype(dtype)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_per_sample_losses_add_up_to_sum_and_average_to_mean(case, weighted):
    loss, y, p = _case(case, "none")
    w = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0]) if weighted else None
    per_sample = loss(y, p, w)
    assert isinstance(per_sample, np.ndarray)
    assert per_sample.shape == (6,) and per_sample.dtype == np.float64
    summed = loss_by_name(CASES[case][0], reduction="sum", **CASES[case][1])
    mean = loss_by_name(CASES[case][0], **CASES[case][1])
    assert float(per_sample.sum()) == summed(y, p, w)
    assert float(per_sample.sum()) / 6 == mean(y, p, w)  # the weighted mean divides by n too
    if weighted:
        np.testing.assert_array_equal(per_sample, loss(y, p) * w)


@pytest.mark.parametrize("case", CASES)
def test_float32_stays_float32(case):
    loss, y, p = _case(case, "none", dtype=np.float32)
    per_sample, grad = loss(y, p, np.ones(6)), loss.grad(y, p)
    assert per_sample.dtype == np.float32 and per_sample.shape == (6,)
    assert grad.dtype == np.float32 and grad.shape == p.shape


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_grad_of_each_row_is_that_samples_loss_gradient(case, weighted):
    loss, y, p = _case(case, "none", n=4)
    w = np.array([0.5, 2.0, 0.0, 1.0]) if weighted else None
    grad, eps = loss.grad(y, p, w), 1e-6
    summed = loss_by_name(CASES[case][0], reduction="sum", **CASES[case][1])
    np.testing.assert_array_equal(grad, summed.grad(y, p, w))  # the gradient of the sum
    for i, j in np.ndindex(*p.shape):
        up, down = p.copy(), p.copy()
        up[i, j] += eps
        down[i, j] -= eps
        change = loss(y, up, w) - loss(y, down, w)
        others = np.arange(4) != i
        assert np.all(change[others] == 0)  # a row moves its own loss only
        assert change[i] / (2 * eps) == pytest.approx(grad[i, j], rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_config_round_trips_through_the_registry(case):
    loss, y, p = _case(case, "none")
    config = loss.get_config()
    assert config["reduction"] == "none"
    again = loss_by_name(CASES[case][0], **config)
    assert repr(again) == repr(loss)
    np.testing.assert_array_equal(again(y, p), loss(y, p))


@pytest.mark.parametrize("cls", [MeanSquaredError, MeanAbsoluteError, Huber,
                                 BinaryCrossEntropy, CrossEntropy, nonlin.Hinge,
                                 nonlin.SquaredHinge, nonlin.CategoricalHinge,
                                 nonlin.BinaryFocalCrossentropy, nonlin.MeanSquaredLogarithmicError,
                                 nonlin.MeanAbsolutePercentageError, nonlin.CosineSimilarity])
def test_reductions_named_as_elsewhere_and_bad_ones_named_back(cls):
    assert cls(reduction=None).reduction == "none"  # Keras' None
    assert cls(reduction="sum_over_batch_size").reduction == "mean"  # Keras 3's default
    for bad in ("avg", "mean_with_sample_weight", 1, ["mean"]):
        with pytest.raises(ValueError, match=rf"'mean', 'sum' or 'none'.*Received: reduction="
                                             rf"{repr(bad).replace('[', '.')}"):
            cls(reduction=bad)
    with pytest.raises(ValueError, match="divides by the sum of the weights"):
        cls(reduction="mean_with_sample_weight")


def test_keras_sum_over_batch_size_divides_a_weighted_sum_by_n():
    y, p, w = _targets("real", 4), _predictions("scores", 4), np.array([0.0, 1.0, 2.0, 0.5])
    keras_default = MeanSquaredError(reduction="sum_over_batch_size")
    assert keras_default(y, p, w) == MeanSquaredError()(y, p, w)
    assert keras_default(y, p, w) == pytest.approx((0.5 * ((p - y) ** 2).sum(1) * w).sum() / 4)


def _model():
    return Sequential([Dense(2)]).build(3, seed=0)


def test_fit_refuses_a_per_sample_loss_before_training():
    X, y = _targets("real", 8), _targets("real", 8, k=2)
    model, per_sample = _model(), MeanSquaredError(reduction="none")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"reduction='mean'.*'sum'.*Received: reduction='none'"):
        model.fit(X, y, loss=per_sample, optimizer=SGD(lr=0.1), verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    unbuilt, keras_none = Sequential([Dense(2)]), MeanSquaredError(reduction=None)
    with pytest.raises(ValueError, match="Received: reduction='none'"):
        unbuilt.fit(X, y, loss=keras_none, optimizer="sgd", verbose=0)
    assert not unbuilt.built
    model.compile("sgd", "mse")
    model.loss.reduction = "none"  # changed after compile: the next fit still refuses
    with pytest.raises(ValueError, match="Received: reduction='none'"):
        model.fit(X, y, verbose=0)


def test_evaluate_and_compile_refuse_a_per_sample_loss():
    X, y = _targets("real", 8), _targets("real", 8, k=2)
    model, mse, huber = _model(), MeanSquaredError(reduction="none"), Huber(reduction="none")
    with pytest.raises(ValueError, match="Use MeanSquaredError.reduction='mean'.*Received: "
                                         "reduction='none'"):
        model.evaluate(X, y, loss=mse)
    with pytest.raises(ValueError, match="Received: reduction='none'"):
        model.compile("sgd", huber)
    assert getattr(model, "loss", None) is None


@pytest.mark.parametrize("case", ["mse", "huber", "bce_logits", "ce_logits_labels"])
def test_gradcheck_checks_the_sum_of_a_per_sample_loss(case):
    loss, y, p = _case(case, "none", n=5)
    summed = loss_by_name(CASES[case][0], reduction="sum", **CASES[case][1])
    model = Sequential([Identity()]).build(3)
    error = gradcheck(model, loss, p, y)
    assert error < 1e-6
    assert error == gradcheck(model, summed, p, y)


def test_the_default_stays_mean():
    assert nonlin.MeanSquaredError().reduction == "mean"
    assert MeanSquaredError().get_config() == {"reduction": "mean"}
