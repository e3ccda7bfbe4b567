"""CategoricalFocalCrossentropy: values against Keras 3's formula and docstring numbers,
gradients by finite differences (float64), gamma=0 as CrossEntropy, label smoothing as the
smoothed cross-entropy, stable extremes, names, fit and files."""

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import CategoricalFocalCrossentropy, CrossEntropy, Identity, Sequential, gradcheck
from nonlin.registry import loss as loss_by_name

EPS = 1e-7  # Keras' backend.epsilon()


def labels(n, k=4):
    return np.random.default_rng(n).integers(0, k, size=n)


def one_hot(n, k=4):
    y = np.eye(k)[labels(n, k)]
    if n > 1:
        y[0] = [0.5, 0.25, 0.25, 0.0][:k]  # a soft row
    return y


def probabilities(n, k=4):
    p = np.random.default_rng(100 + n).uniform(0.05, 1.0, size=(n, k))
    return p / p.sum(axis=1, keepdims=True)


def logits(n, k=4):
    return np.random.default_rng(200 + n).normal(size=(n, k)) * 3


def keras_focal(y, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    """keras.losses.categorical_focal_crossentropy, per sample."""
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + label_smoothing / y.shape[1]
    if from_logits:
        e = np.exp(p - p.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    output = np.clip(p / p.sum(axis=1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1.0 - output) ** gamma * -y * np.log(output)).sum(axis=1)


CONFIGS = {
    "default": {},
    "smoothed": {"label_smoothing": 0.2, "gamma": 3.0, "alpha": 1.0},
    "gamma_half": {"gamma": 0.5, "alpha": 0.7},
    "gamma_zero": {"gamma": 0.0, "alpha": 1.0},
}
CASES = {f"{name}-{kind}": (config, kind) for name, config in CONFIGS.items()
         for kind in ("probabilities", "logits")}


def _case(case, n):
    config, kind = CASES[case]
    p = logits(n) if kind == "logits" else probabilities(n)
    return {**config, "from_logits": kind == "logits"}, one_hot(n), p


@pytest.mark.parametrize("case", CASES)
def test_values_are_keras_per_sample_values(case):
    config, y, p = _case(case, 6)
    w = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0])
    per_sample = keras_focal(y, p, **config)
    np.testing.assert_allclose(CategoricalFocalCrossentropy(**config, reduction="none")(y, p),
                               per_sample, rtol=1e-12)
    assert CategoricalFocalCrossentropy(**config)(y, p, w) == pytest.approx(
        (per_sample * w).sum() / 6, rel=1e-12)
    hard = np.eye(4)[labels(6)]
    np.testing.assert_allclose(  # integer labels are their one-hot rows
        CategoricalFocalCrossentropy(**config, reduction="none")(labels(6), p),
        keras_focal(hard, p, **config), rtol=1e-12)


def test_keras_docstring_example():
    """keras.losses.categorical_focal_crossentropy's example (alpha 0.25, gamma 2)."""
    y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    np.testing.assert_allclose(CategoricalFocalCrossentropy(reduction="none")(y, p),
                               [2.6340148e-04, 6.7591208e-01], rtol=1e-6)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradient_matches_finite_differences(case, batch):
    config, y, p = _case(case, batch)
    model = Sequential([Identity()]).build(4)
    for reduction in ("mean", "sum", "none"):
        loss = CategoricalFocalCrossentropy(**config, reduction=reduction)
        assert gradcheck(model, loss, p, y) < 1e-6
        assert gradcheck(model, loss, p, labels(batch)) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
def test_gamma_zero_alpha_one_is_cross_entropy(from_logits):
    y, p = one_hot(9), logits(9) if from_logits else probabilities(9)
    focal = CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0, from_logits=from_logits)
    ce = CrossEntropy(from_logits=from_logits)

    def rescaled(g):  # probabilities: the gradient goes back through p / sum(p), as Keras'
        return g if from_logits else g - (g * p).sum(axis=1, keepdims=True)

    assert focal(y, p) == pytest.approx(ce(y, p), rel=1e-14)
    np.testing.assert_allclose(focal.grad(y, p), rescaled(ce.grad(y, p)), rtol=1e-12,
                               atol=1e-15)
    smoothed = CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0, from_logits=from_logits,
                                            label_smoothing=0.1)
    np.testing.assert_allclose(smoothed.grad(y, p), rescaled(ce.grad(0.9 * y + 0.025, p)),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_extremes_are_finite_without_warnings(dtype, gamma):
    big = float(np.finfo(dtype).max)
    zs = np.array([[-big, 0.0, big], [-800.0, 800.0, 0.0], [50.0, -50.0, 0.0],
                   [0.0, 0.0, 0.0]], dtype)
    ps = np.array([[0.0, 0.0, 1.0], [1e-20, 1 - 1e-7, 0.0], [0.5, 0.5, 0.0],
                   [1.0, 0.0, 0.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for from_logits, x in ((True, zs), (False, ps)):
            loss = CategoricalFocalCrossentropy(gamma=gamma, from_logits=from_logits,
                                                label_smoothing=0.1, reduction="none")
            for y in (np.eye(3)[[2, 0, 1, 0]], np.array([2, 1, 0, 0])):
                values, grad = loss(y, x), loss.grad(y, x)
                assert values.dtype == grad.dtype == dtype
                assert np.isfinite(values).all() and np.isfinite(grad).all(), (y, x)
    right = CategoricalFocalCrossentropy(gamma=gamma, from_logits=True, reduction="sum")
    z = np.array([[60.0, 0.0]], dtype)  # 1 - p = 9e-27: its focal gradient, not 0 / 0
    g = right.grad(np.array([0]), z)
    assert np.isfinite(g).all() and (gamma > 0 or abs(g[0, 0]) < 1e-20)


def test_float32_kept():
    y, p = one_hot(5), probabilities(5).astype(np.float32)
    for config in ({}, {"from_logits": True, "label_smoothing": 0.1}):
        loss = CategoricalFocalCrossentropy(**config)
        assert loss.grad(y, p).dtype == np.float32
        assert CategoricalFocalCrossentropy(**config, reduction="none")(y, p).dtype == np.float32
        assert loss(y, p) == pytest.approx(keras_focal(y, p.astype(float), **config).sum() / 5,
                                           rel=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"alpha": -0.1}, r">= 0\. Received: alpha=-0\.1"),
    ({"gamma": -1.0}, r">= 0\. Received: gamma=-1\.0"),
    ({"gamma": float("inf")}, r"finite number >= 0\. Received: gamma=inf"),
    ({"label_smoothing": 2}, r"\[0, 1\]\. Received: label_smoothing=2"),
    ({"from_logits": "yes"}, r"from_logits"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        CategoricalFocalCrossentropy(**kwargs)


def test_targets_are_checked_as_cross_entropy_checks_them():
    with pytest.raises(ValueError, match=r"labels in \[0, 3\) .* Received label 5"):
        CategoricalFocalCrossentropy(from_logits=True)(np.array([0, 5]), np.zeros((2, 3)))


@pytest.mark.parametrize("name", ["categorical_focal_crossentropy",
                                  "CategoricalFocalCrossentropy", "CategoricalFocalCrossEntropy"])
def test_names_resolve_and_the_config_round_trips(name):
    loss = loss_by_name(name, gamma=1.5, from_logits=True, label_smoothing=0.1)
    assert type(loss) is CategoricalFocalCrossentropy and isinstance(loss, CrossEntropy)
    again = loss_by_name(name, **loss.get_config())
    assert repr(again) == repr(loss) == (
        "CategoricalFocalCrossentropy(alpha=0.25, gamma=1.5, from_logits=True, "
        "label_smoothing=0.1, reduction='mean')")
    assert nonlin.losses.CategoricalFocalCrossentropy is CategoricalFocalCrossentropy
    assert "CategoricalFocalCrossentropy" in nonlin.__all__


def test_fit_decreases_the_loss_and_the_file_keeps_it(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 3))
    y = np.argmax(X @ rng.normal(size=(3, 3)), axis=1)
    loss = CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.05)
    model = Sequential([nonlin.Dense(3)])
    before = model.build(3, seed=0).evaluate(X, y, loss=loss)["loss"]
    history = model.fit(X, y, loss=loss, optimizer=nonlin.Adam(0.05), epochs=8, batch_size=32,
                        seed=0, verbose=0)
    losses, after = history.history["loss"], model.evaluate(X, y)["loss"]
    assert losses[-1] < losses[0] and after < 0.5 * before
    assert after == pytest.approx(loss(y, model.predict(X)), rel=1e-12)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert repr(loaded.loss) == repr(loss) and loaded.evaluate(X, y)["loss"] == after
