"""Session 34: numerics at the edges and multilabel evaluation.

1. The focal losses from logits just below the logit where their rounding was repaired:
   ``BinaryFocalCrossentropy``'s ``p - 1`` of a rounded ``p`` lost up to 20% of a confident
   right positive's gradient, ``CategoricalFocalCrossentropy``'s top-class ``1 - p`` of the
   rounded ``1 + rest`` up to 30% of a confident row's gradient and loss.
2. ``BatchNorm`` of a constant float64 feature past ~1e14: the rounded mean was an ulp off,
   its "variance" (x - m)^2 of that ulp, and the outputs +-1 instead of 0.
3. Adam's ``v`` overflowing (a float32 gradient entry past sqrt(max)): fit's error now names
   the parameter, the slot and the gradient entry (RMSprop, Adagrad, Adadelta, Nadam alike).
4. Multilabel evaluate: a label of one class gets scikit-learn's average precision (0 or 1),
   which the macro and weighted averages count.
5. ``class_weight`` on a 2-D regression target: refused with regression wording.
6. A softmax's integer labels missing a class in the validation rows: warned.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import nonlin
from nonlin import BatchNorm, BinaryFocalCrossentropy, Identity, Sequential, gradcheck


# -- 1. focal ---------------------------------------------------------------------------
def _focal_reference(z: float, gamma: float) -> float:
    """dL/dz at target 1, z > 0: -s^gamma (gamma b p + s), s = 1 - p (no cancellation)."""
    e = math.exp(-z)
    s, p, b = e / (1 + e), 1 / (1 + e), math.log1p(e)
    return -(s ** gamma) * (gamma * b * p + s)


@pytest.mark.parametrize(("dtype", "zs"), [
    (np.float32, [12.0, 14.5, 15.0, 15.5, 15.8]),
    (np.float64, [30.0, 34.0, 35.0, 35.5, 35.9])])
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_logits_gradient_just_below_rounding(dtype: type, zs: list[float],
                                                   gamma: float) -> None:
    loss = BinaryFocalCrossentropy(from_logits=True, gamma=gamma, reduction="sum")
    z = np.array([zs], dtype)
    grad = loss.grad(np.ones_like(z), z)[0]
    ref = [_focal_reference(float(v), gamma) for v in z[0]]
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(grad, ref, rtol=16 * eps, atol=0)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_focal_logits_gradcheck_float64(smoothing: float) -> None:
    z = np.array([[-30.0, -3.0, 0.5], [4.0, 12.0, 33.0], [-0.2, 20.0, -8.0]])
    y = np.array([[0.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    model = Sequential([Identity()]).build(3)
    for gamma in (0.5, 2.0):
        loss = BinaryFocalCrossentropy(from_logits=True, gamma=gamma, label_smoothing=smoothing,
                                       apply_class_balancing=True)
        assert gradcheck(model, loss, z, y) < 1e-6


def test_focal_logits_value_and_wrong_negative_keep_their_accuracy() -> None:
    loss = BinaryFocalCrossentropy(from_logits=True, gamma=2.0, reduction="none")
    z = np.array([[15.5]], np.float32)
    z64 = float(z[0, 0])
    e = math.exp(-z64)
    s, p = e / (1 + e), 1 / (1 + e)
    assert float(loss(np.ones_like(z), z)[0]) == pytest.approx(s * s * math.log1p(e), rel=1e-6)
    grad = loss.grad(np.zeros_like(z), z)  # target 0: p^2 (2 b s + p), b = z + log1p(e)
    ref = p * p * (2 * (z64 + math.log1p(e)) * s + p)
    assert float(grad[0, 0]) == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize(("dtype", "leads"), [(np.float32, [12.0, 13.0, 14.0, 14.5]),
                                              (np.float64, [30.0, 33.0, 34.0, 34.5])])
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_categorical_focal_logits_just_below_the_recomputed_tops(dtype: type,
                                                                 leads: list[float],
                                                                 gamma: float) -> None:
    """The top class's 1 - p from the rounded 1 + rest: up to 30% off just below the lead
    where nonlin._loss_focal_top took over (14.6 in float32, 34.7 in float64)."""
    from test_review32b_s32 import categorical_reference  # mpmath, 60 digits (skips without)

    eps = float(np.finfo(dtype).eps)
    for lead in leads:
        z = np.array([[0.0, lead, -1.0], [lead, 0.3, 0.0]], dtype)
        y = np.eye(3, dtype=dtype)[[1, 0]]
        loss = nonlin.CategoricalFocalCrossentropy(from_logits=True, gamma=gamma)
        value, ref = categorical_reference(y, z, gamma, 0.25)
        np.testing.assert_allclose(loss.grad(y, z), ref, rtol=64 * eps, atol=0)
        assert float(loss(y, z)) == pytest.approx(value, rel=64 * eps, abs=0)


def test_categorical_focal_logits_gradcheck_float64() -> None:
    z = np.array([[0.0, 3.0, -1.0], [2.5, 0.3, 0.0], [0.1, -0.2, 0.05], [-4.0, 1.0, 1.2]])
    y = np.eye(3)[[1, 0, 2, 1]]
    model = Sequential([Identity()]).build(3)
    for gamma in (0.5, 2.0):
        for smoothing in (0.0, 0.1):
            loss = nonlin.CategoricalFocalCrossentropy(from_logits=True, gamma=gamma,
                                                       label_smoothing=smoothing)
            assert gradcheck(model, loss, z, y) < 1e-6


# -- 2. BatchNorm -----------------------------------------------------------------------
def _batchnorm(dtype: type, n_features: int) -> BatchNorm:
    model = Sequential([BatchNorm()])
    model.build(n_features, seed=0, dtype=dtype)
    return model.layers[0]


@pytest.mark.parametrize(("dtype", "value"), [
    (np.float64, 1e30), (np.float64, -3e30), (np.float64, 1e150),
    (np.float32, 1e8), (np.float32, 1e20), (np.float64, 1e15)])  # the last three: guards
@pytest.mark.parametrize("n", [3, 7, 96])
def test_batchnorm_of_a_huge_constant_feature_gives_zeros(dtype: type, value: float,
                                                          n: int) -> None:
    layer = _batchnorm(dtype, 2)
    x = np.full((n, 2), value, dtype)
    x[:, 1] = np.arange(n)
    y = layer.forward(x, training=True)
    assert np.all(y[:, 0] == 0)
    assert layer.moving_variance[0] == pytest.approx(0.99)  # 0.99 * 1 + 0.01 * 0
    g = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(g))


def _exact_outputs(column: np.ndarray, epsilon: float) -> list[float]:
    """(x - mean) / sqrt(var + epsilon) of one column, exact but for the square root."""
    xs = [Fraction(float(v)) for v in column]
    mean = sum(xs) / len(xs)
    var = sum((v - mean) ** 2 for v in xs) / len(xs)
    scale = 1 / math.sqrt(float(var + Fraction(epsilon)))
    return [float(v - mean) * scale for v in xs]


def test_batchnorm_of_a_near_constant_float64_feature_matches_exact_reference() -> None:
    layer = _batchnorm(np.float64, 1)
    base = 1e17
    ulp = float(np.spacing(base))
    x = (base + ulp * np.array([0, 0, 0, 1, 0, 0, 2]))[:, None]  # spread of a few ulps
    y = layer.forward(x, training=True)[:, 0]
    ref = _exact_outputs(x[:, 0], layer.epsilon)
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-12)


def test_batchnorm_ordinary_batches_keep_their_bits() -> None:
    """Guard (passes before and after): the usual features skip the correction."""
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(32, 4))
    layer = _batchnorm(np.float64, 4)
    y = layer.forward(x, training=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + layer.epsilon)
    np.testing.assert_array_equal(y, (x - x.mean(axis=0)) * inv_std)  # the layer's ops


# -- 3. Adam overflow -------------------------------------------------------------------
@pytest.mark.parametrize(("optimizer", "slot"), [
    ("adam", "Adam's 'v'"), ("rmsprop", "RMSprop's 'v'"), ("adagrad", "Adagrad's 'accumulator'"),
    ("adadelta", "Adadelta's 'accumulated_grad'"), ("nadam", "Nadam's 'v'")])
def test_squared_gradient_overflow_in_fit_names_the_parameter(optimizer: str, slot: str) -> None:
    X = np.array([[1.0], [2.0]], np.float32) * 1e20
    y = np.array([[1.0], [2.0]], np.float32)
    model = Sequential([nonlin.Dense(2, name="hidden"), nonlin.Dense(1, name="head")])
    model.build(1, seed=0, dtype=np.float32)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(nonlin.DivergenceError) as info:
        model.fit(X, y, loss="mae", optimizer=optimizer, epochs=1, batch_size=2, verbose=0)
    message = str(info.value)
    assert f"{slot} (its squared gradients) of hidden.W overflowed to inf in float32" in message
    assert "whose square passes float32's largest" in message
    for a, b in zip(before, model.get_weights(), strict=True):  # refused: nothing moved
        np.testing.assert_array_equal(a, b)


def test_an_overflowing_weight_keeps_the_plain_message() -> None:
    """Guard (passes before and after): no gradient is the cause: no parameter named."""
    X = np.array([[1.0], [2.0]], np.float32) * 1e3
    y = np.array([[1.0], [2.0]], np.float32) * 1e3
    model = Sequential([nonlin.Dense(1, name="head")]).build(1, seed=0, dtype=np.float32)
    with pytest.raises(nonlin.DivergenceError) as info:
        model.fit(X, y, loss="mse", optimizer=nonlin.SGD(1e38), epochs=1, batch_size=2,
                  verbose=0)
    assert "(its squared gradients)" not in str(info.value)


def test_adam_update_in_normal_ranges_is_the_formula_bit_for_bit() -> None:
    """Guard (passes before and after): the update of a finite v keeps its formula's bits."""
    p = nonlin.Param(np.array([0.5, -1.0], np.float32), "w")
    g = np.array([1e18, -2.0], np.float32)
    p.grad = g.copy()
    opt = nonlin.Adam(0.1)
    opt.step([p])
    m = np.float32(1 - 0.9) * g
    v = (g * g) * np.float32(1 - 0.999)
    lr_t = np.float32(0.1 * math.sqrt(1 - 0.999) / (1 - 0.9))
    expected = np.array([0.5, -1.0], np.float32) + (-lr_t) * m / (np.sqrt(v) + np.float32(1e-8))
    np.testing.assert_array_equal(p.value, expected)


# -- 4. multilabel average precision ----------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_one_class_labels_as_scikit_learn(weighted: bool) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    from nonlin._multilabel_auc import multilabel_auc

    rng = np.random.default_rng(3)
    truth = (rng.random((40, 4)) < 0.4).astype(int)
    truth[:, 1] = 0  # no positive
    truth[:, 3] = 1  # no negative
    proba = rng.random((40, 4))
    w = rng.integers(0, 3, 40).astype(float) if weighted else None
    per_label, averages = multilabel_auc(list("abcd"), truth, proba, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ap = metrics.average_precision_score(truth, proba, average=None, sample_weight=w)
        roc = metrics.roc_auc_score(truth, proba, average=None, sample_weight=w)
        for name in ("macro", "weighted", "micro"):
            ref = metrics.average_precision_score(truth, proba, average=name, sample_weight=w)
            assert averages[name]["average_precision"] == pytest.approx(ref, rel=1e-12)
            ref_roc = metrics.roc_auc_score(truth, proba, average=name, sample_weight=w)
            got = averages[name]["roc_auc"]
            assert (got is None) == bool(np.isnan(ref_roc))
    assert [s[1] for s in per_label] == pytest.approx(list(ap), rel=1e-12)
    assert [s[0] is None for s in per_label] == list(np.isnan(roc))
    assert "its average precision is scikit-learn's" in averages["note"]


# -- 5. class_weight on a regression target ---------------------------------------------
def test_class_weight_on_a_2d_regression_target_says_regression() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = np.c_[X[:, 0] * 3.3, X[:, 1] - 0.2]
    model = Sequential([nonlin.Dense(2)]).build(3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no multilabel warning on the way
        with pytest.raises(ValueError, match=r"regression target has no class to weigh.*"
                                             r"sample_weight"):
            model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0,
                      class_weight={0: 1.0, 1: 2.0})


def test_class_weight_on_hinge_sign_rows_is_still_taken() -> None:
    """Guard (passes before and after): rows of -1 and 1 are a hinge's classes."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    s = np.where(X[:, :1] > 0, 1.0, -1.0)
    model = Sequential([nonlin.Dense(2)]).build(3, seed=0)
    model.fit(X, np.c_[s, -s], loss="hinge", optimizer="sgd", epochs=1, verbose=0,
              class_weight={0: 1.0, 1: 2.0})


# -- 6. integer labels missing a class in validation ------------------------------------
def _softmax_model() -> Sequential:
    return Sequential([nonlin.Dense(3), nonlin.Softmax()]).build(3, seed=0)


def test_integer_labels_missing_a_class_in_validation_warn() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = np.arange(30) % 3
    y_val = np.where(y[:8] == 2, 0, y[:8])  # no class 2
    with pytest.warns(UserWarning, match=r"'f1_score' \(class 2: no row of it\)"):
        _softmax_model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1,
                             verbose=0, metrics=["f1_score"], validation_data=(X[:8], y_val))


def test_integer_labels_holding_every_class_or_pooled_metrics_do_not_warn() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = np.arange(30) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _softmax_model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0,
                             metrics=["f1_score"], validation_data=(X[:9], y[:9]))
        _softmax_model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0,
                             metrics=["accuracy", "auc"],
                             validation_data=(X[:8], np.where(y[:8] == 2, 0, y[:8])))


# -- 7. F1Score(average=None) -----------------------------------------------------------
def test_f_scores_average_none_return_keras_per_class_array() -> None:
    from nonlin.metrics import F1Score, FBetaScore

    y = np.array([0, 1, 2, 2, 1, 0, 2])
    p = np.eye(3)[[0, 1, 1, 2, 1, 2, 2]]
    per_class = F1Score(average=None)(y, p)
    assert isinstance(per_class, np.ndarray) and per_class.shape == (3,)
    macro = F1Score()(y, p)
    assert float(np.mean(per_class)) == pytest.approx(macro, rel=1e-12)
    for j in range(3):
        assert per_class[j] == F1Score(average=None, class_id=j)(y, p)
    streamed = FBetaScore(average=None, beta=2.0)
    assert streamed.result().shape == (0,)  # before any batch
    streamed.update_state(y[:4], p[:4])
    streamed.update_state(y[4:], p[4:])
    np.testing.assert_allclose(streamed.result(), FBetaScore(average=None, beta=2.0)(y, p),
                               rtol=1e-15)
    assert F1Score(average=None).get_config()["average"] is None


def test_fit_and_evaluate_log_one_number_per_class(tmp_path: object) -> None:
    from pathlib import Path

    from nonlin.metrics import F1Score

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = np.arange(60) % 3
    model = _softmax_model()
    log = Path(str(tmp_path)) / "log.csv"
    stop = nonlin.callbacks.EarlyStopping(monitor="val_f1_score_class_1", mode="max")
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
                        metrics=[F1Score(average=None)], validation_data=(X[:9], y[:9]),
                        callbacks=[nonlin.callbacks.CSVLogger(str(log)), stop])
    keys = [f"f1_score_class_{j}" for j in range(3)]
    assert all(k in history.history and f"val_{k}" in history.history for k in keys)
    assert "f1_score" not in history.history
    assert all(isinstance(v, float) for k in keys for v in history.history[k])
    assert log.read_text().splitlines()[0].split(",")[1:4] == keys
    scores = model.evaluate(X, y, verbose=0, metrics=[F1Score(average=None)])
    probs = model.predict(X)
    expected = F1Score(average=None)(y, probs)
    assert [scores[k] for k in keys] == pytest.approx(list(expected), rel=1e-12)
