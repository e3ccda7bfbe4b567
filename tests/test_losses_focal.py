"""BinaryFocalCrossentropy: values against Keras 3's formula, from logits against torchvision's
sigmoid_focal_loss (written out here in torch: torchvision is not a dependency), gradients by
finite differences and autograd, gamma=0 as BinaryCrossEntropy, stable extremes, fit, files."""

import math
import re
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import BinaryCrossEntropy, BinaryFocalCrossentropy, Identity, Sequential, gradcheck
from nonlin.metrics import BinaryAccuracy, get_metric
from nonlin.registry import loss as loss_by_name

EPS = 1e-7  # Keras' backend.epsilon()


def bits(n, k=3):
    y = np.random.default_rng(n).integers(0, 2, size=(n, k)).astype(float)
    y[0, 0] = 0.3  # a soft target
    return y


def probabilities(n, k=3):
    return np.random.default_rng(100 + n).uniform(0.02, 0.98, size=(n, k))


def logits(n, k=3):
    return np.random.default_rng(200 + n).normal(size=(n, k)) * 3


def keras_focal(y, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                label_smoothing=0.0):
    """keras.losses.binary_focal_crossentropy per entry, before its mean over the outputs."""
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    clipped = np.clip(p, EPS, 1 - EPS)  # ops.binary_crossentropy's clip
    bce = -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    p_t = y * p + (1 - y) * (1 - p)
    focal = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
    return focal


CONFIGS = {
    "default": {},
    "balanced": {"apply_class_balancing": True, "alpha": 0.4},
    "smoothed": {"label_smoothing": 0.2, "gamma": 3.0},
    "gamma_half": {"gamma": 0.5, "apply_class_balancing": True},
    "gamma_zero": {"gamma": 0.0},
}
CASES = {f"{name}-{kind}": (config, kind) for name, config in CONFIGS.items()
         for kind in ("probabilities", "logits")}


def _case(case, n):
    config, kind = CASES[case]
    p = logits(n) if kind == "logits" else probabilities(n)
    return {**config, "from_logits": kind == "logits"}, bits(n), p


@pytest.mark.parametrize("case", CASES)
def test_values_are_keras_terms_summed_over_outputs(case):
    config, y, p = _case(case, 6)
    w = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0])
    per_sample = keras_focal(y, p, **config).sum(axis=1)
    loss = BinaryFocalCrossentropy(**config, reduction="none")
    np.testing.assert_allclose(loss(y, p), per_sample, rtol=1e-12)
    assert BinaryFocalCrossentropy(**config)(y, p, w) == pytest.approx(
        (per_sample * w).sum() / 6, rel=1e-12)
    assert BinaryFocalCrossentropy(**config, reduction="sum")(y, p) == pytest.approx(
        per_sample.sum(), rel=1e-12)


def test_keras_docstring_examples_summed_over_outputs():
    """keras.losses.BinaryFocalCrossentropy's examples (from logits; Keras averages over the
    outputs, so the 2-output examples are half of nonlin's; a 1-D y is one column here)."""
    y, z = np.array([0.0, 1.0, 0.0, 0.0]), np.array([-18.6, 0.51, 2.94, -12.8])
    focal = BinaryFocalCrossentropy(gamma=2, from_logits=True)
    assert focal(y, z) == pytest.approx(0.691, abs=5e-4)
    assert BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2, from_logits=True)(
        y, z) == pytest.approx(0.51, abs=5e-3)
    y, z, w = y.reshape(2, 2), z.reshape(2, 2), np.array([0.8, 0.2])
    for balance, gamma, reduction, weights, keras in [
            (False, 3, "mean", None, 0.647), (True, 3, "mean", None, 0.482),
            (False, 3, "mean", w, 0.133), (True, 3, "mean", w, 0.097),
            (False, 4, "sum", None, 1.222), (True, 4, "sum", None, 0.914),
            (False, 5, "none", None, [0.0017, 1.1561]), (True, 5, "none", None, [0.0004, 0.8670])]:
        loss = BinaryFocalCrossentropy(apply_class_balancing=balance, gamma=gamma,
                                       from_logits=True, reduction=reduction)
        np.testing.assert_allclose(np.divide(loss(y, z, weights), 2), keras, atol=5e-4)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradient_matches_finite_differences(case, batch):
    config, y, p = _case(case, batch)
    model = Sequential([Identity()]).build(3)
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(model, BinaryFocalCrossentropy(**config, reduction=reduction), p, y) < 1e-6


def sigmoid_focal_loss(torch, inputs, targets, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss (reduction="none"), written out."""
    functional = torch.nn.functional
    p = torch.sigmoid(inputs)
    ce_loss = functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (-1, 2.0), (0.6, 0.5), (-1, 0.0)])
def test_from_logits_matches_torchvisions_sigmoid_focal_loss(alpha, gamma):
    torch = pytest.importorskip("torch")
    y, z, w = bits(8), logits(8), np.linspace(0.5, 2.0, 8)
    z_t = torch.tensor(z, requires_grad=True)
    value = (sigmoid_focal_loss(torch, z_t, torch.tensor(y), alpha, gamma).sum(dim=1)
             * torch.tensor(w)).sum() / 8
    value.backward()
    loss = BinaryFocalCrossentropy(apply_class_balancing=alpha >= 0, alpha=max(alpha, 0.0),
                                   gamma=gamma, from_logits=True)
    assert loss(y, z, w) == pytest.approx(value.item(), rel=1e-13)
    np.testing.assert_allclose(loss.grad(y, z, w), z_t.grad.numpy(), rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=list(CONFIGS))
def test_probabilities_match_torch_autograd_of_keras_formula(config):
    torch = pytest.importorskip("torch")
    y, p = bits(8), probabilities(8)
    p_t = torch.tensor(p, requires_grad=True)
    y_t = torch.tensor(y)
    if config.get("label_smoothing"):
        y_t = y_t * (1 - config["label_smoothing"]) + 0.5 * config["label_smoothing"]
    clipped = torch.clamp(p_t, EPS, 1 - EPS)  # passes the gradient inside, as tf's clip
    bce = -(y_t * torch.log(clipped) + (1 - y_t) * torch.log(1 - clipped))
    terms = (1 - (y_t * p_t + (1 - y_t) * (1 - p_t))) ** config.get("gamma", 2.0) * bce
    if config.get("apply_class_balancing"):
        alpha = config["alpha"] if "alpha" in config else 0.25
        terms = (y_t * alpha + (1 - y_t) * (1 - alpha)) * terms
    value = terms.sum() / 8
    value.backward()
    loss = BinaryFocalCrossentropy(**config)
    assert loss(y, p) == pytest.approx(value.item(), rel=1e-13)
    np.testing.assert_allclose(loss.grad(y, p), p_t.grad.numpy(), rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gamma_zero_without_balancing_is_binary_cross_entropy_bit_for_bit(from_logits, dtype):
    y, p = bits(9), (logits(9) if from_logits else probabilities(9)).astype(dtype)
    p[0, 1] = 0.0  # at the clip, for probabilities
    focal, bce = BinaryFocalCrossentropy(gamma=0.0, from_logits=from_logits), BinaryCrossEntropy(
        from_logits=from_logits)
    assert focal(y, p) == bce(y, p)
    np.testing.assert_array_equal(focal.grad(y, p), bce.grad(y, p))


def test_logits_far_out_keep_their_exact_values_where_keras_saturates():
    """Keras applies the sigmoid, then clips at 1e-7: its loss stops at -log(1e-7) = 16.1 and
    its gradient at 0 beyond |z| = 16; 1 - p_t is 0 in float64 beyond z = 37."""
    loss = BinaryFocalCrossentropy(from_logits=True, reduction="none")
    z = np.array([[-50.0], [50.0], [-1e4], [745.0]])
    y = np.ones((4, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, grad = loss(y, z), BinaryFocalCrossentropy(from_logits=True,
                                                           reduction="sum").grad(y, z)
    s = 1 / (1 + math.exp(50.0))  # sigmoid(-50): 1 - p for the right prediction
    assert values[0] == pytest.approx((1 - s) ** 2 * (50 + math.log1p(math.exp(-50))), rel=1e-15)
    assert values[1] == pytest.approx(s**2 * math.log1p(s / (1 - s)), rel=1e-13)  # 7e-66, not 0
    assert values[2] == 1e4 and values[3] == 0.0
    assert grad[0, 0] == pytest.approx(-1.0, rel=1e-15) and grad[2, 0] == -1.0
    assert grad[1, 0] == pytest.approx(-3 * s**3, rel=1e-12)  # d/dz (s^2 softplus(-z))
    assert keras_focal(y[:2], z[:2], from_logits=True)[1, 0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_extremes_are_finite_without_warnings_and_a_right_prediction_costs_nothing(dtype, gamma):
    big, tiny = float(np.finfo(dtype).max), float(np.finfo(dtype).smallest_subnormal)
    ps = np.array([0.0, tiny, 1e-20, 0.5, 1 - 1e-7, 1.0], dtype)
    zs = np.array([-big, -800.0, -50.0, 0.0, 50.0, 800.0, big], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for target in (0.0, 1.0, 0.3):
            for from_logits, x in ((False, ps), (True, zs)):
                loss = BinaryFocalCrossentropy(gamma=gamma, from_logits=from_logits,
                                               apply_class_balancing=True, reduction="none")
                y = np.full((x.size, 1), target)
                values, grad = loss(y, x[:, None]), loss.grad(y, x[:, None])
                assert values.dtype == grad.dtype == dtype
                assert np.isfinite(values).all() and np.isfinite(grad).all(), (target, x)
        right = BinaryFocalCrossentropy(gamma=gamma)
        y = np.array([[0.0, 1.0]])
        if gamma:
            assert right(y, y.astype(dtype)) == 0.0
        np.testing.assert_array_equal(right.grad(y, y.astype(dtype)), [[0.0, 0.0]])


def test_float32_kept():
    y, p = bits(5), probabilities(5).astype(np.float32)
    logit_config = {"from_logits": True, "apply_class_balancing": True, "label_smoothing": 0.1}
    for config in ({}, logit_config):
        loss = BinaryFocalCrossentropy(**config)
        assert loss.grad(y, p).dtype == np.float32
        assert BinaryFocalCrossentropy(**config, reduction="none")(y, p).dtype == np.float32
        assert loss(y, p) == pytest.approx(keras_focal(y, p.astype(float), **config).sum() / 5,
                                           rel=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"alpha": 1.5}, r"\[0, 1\]\. Received: alpha=1\.5"),
    ({"alpha": -0.1}, r"Received: alpha=-0\.1"),
    ({"gamma": -1.0}, r">= 0\. Received: gamma=-1\.0"),
    ({"gamma": float("inf")}, r"finite number >= 0\. Received: gamma=inf"),
    ({"label_smoothing": 2}, r"Received: label_smoothing=2"),
    ({"apply_class_balancing": "yes"}, r"apply_class_balancing"),
    ({"gamma": "2"}, r"Received: gamma='2'"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        BinaryFocalCrossentropy(**kwargs)


def test_bad_inputs_are_refused_naming_the_value():
    with pytest.raises(ValueError, match=r"\[0, 1\] in y_pred \(from_logits=False\)\. Received "
                                         r"2\.0"):
        BinaryFocalCrossentropy()(np.ones((1, 2)), np.array([[0.5, 2.0]]))
    with pytest.raises(ValueError, match=r"targets in \[0, 1\] .* Received 1\.5"):
        BinaryFocalCrossentropy(from_logits=True).grad(np.array([[1.5]]), np.zeros((1, 1)))


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "BinaryFocalCrossentropy",
                                  "BinaryFocalCrossEntropy"])
def test_names_resolve_and_the_config_round_trips(name):
    loss = loss_by_name(name, gamma=1.5, from_logits=True, label_smoothing=0.1)
    assert type(loss) is BinaryFocalCrossentropy and isinstance(loss, BinaryCrossEntropy)
    again = loss_by_name(name, **loss.get_config())
    assert repr(again) == repr(loss) == (
        "BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=1.5, "
        "from_logits=True, label_smoothing=0.1, reduction='mean')")
    assert nonlin.losses.BinaryFocalCrossentropy is BinaryFocalCrossentropy
    assert "BinaryFocalCrossentropy" in nonlin.__all__


def test_accuracy_follows_it_as_a_binary_loss():
    """``"accuracy"`` after a multi-label binary loss is binary accuracy (thresholded at 0 for
    logits), as for BinaryCrossEntropy: the arg-max accuracy before."""
    metric = get_metric("accuracy", loss=BinaryFocalCrossentropy(from_logits=True), n_outputs=3)
    assert type(metric) is BinaryAccuracy and metric.threshold == 0.0
    assert get_metric("acc", loss=BinaryFocalCrossentropy(), n_outputs=3).threshold == 0.5


def _multilabel():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(160, 3))
    return X, (X[:, :2] + 0.3 * X[:, 2:] > 0).astype(float)


@pytest.mark.parametrize("layers, config", [
    ([nonlin.Dense(2), nonlin.Sigmoid()], {}),
    ([nonlin.Dense(2)], {"from_logits": True, "apply_class_balancing": True})])
def test_fit_decreases_the_loss_and_the_file_keeps_it(layers, config, tmp_path):
    X, y = _multilabel()
    model, loss = Sequential(layers), BinaryFocalCrossentropy(**config)
    before = model.build(3, seed=0).evaluate(X, y, loss=loss)["loss"]
    history = model.fit(X, y, loss=loss, optimizer=nonlin.Adam(0.05), epochs=8, batch_size=32,
                        seed=0, verbose=0, metrics=["accuracy"])
    losses, scores = history.history["loss"], model.evaluate(X, y, metrics=["accuracy"])
    assert losses[-1] < losses[0] and scores["loss"] < 0.5 * before and scores["accuracy"] > 0.75
    assert scores["loss"] == pytest.approx(loss(y, model.predict(X)), rel=1e-12)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert repr(loaded.loss) == repr(loss) and loaded.evaluate(X, y)["loss"] == scores["loss"]


def test_fit_refuses_targets_outside_0_1_and_warns_of_a_mismatched_last_layer():
    X, y = _multilabel()
    with pytest.raises(ValueError, match=r"targets in \[0, 1\] .*Received -1\.0"):
        Sequential([nonlin.Dense(2), nonlin.Sigmoid()]).fit(
            X, -y, loss="binary_focal_crossentropy", optimizer="sgd", verbose=0)
    for layers, config, warns in [
            ([nonlin.Dense(2)], {}, "BinaryFocalCrossentropy takes probabilities, but .* Dense"),
            ([nonlin.Dense(2), nonlin.Sigmoid()], {"from_logits": True}, "sigmoid twice")]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Sequential(layers).fit(X[:2], y[:2], loss=BinaryFocalCrossentropy(**config),
                                   optimizer=nonlin.SGD(1e-3), seed=0, verbose=0)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        assert len(messages) == 1 and re.search(warns, messages[0]), messages
