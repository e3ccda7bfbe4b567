"""MeanSquaredLogarithmicError, MeanAbsolutePercentageError and CosineSimilarity: values against
Keras 3's formulas, gradients by finite differences and by PyTorch's autograd, reductions,
weights, float32, extremes without warnings, fit's checks and warnings, files. (The focal
loss: tests/test_losses_focal.py.)"""

import re
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import (
    CosineSimilarity,
    Identity,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Sequential,
    gradcheck,
)
from nonlin.registry import lookup
from nonlin.registry import loss as loss_by_name

EPS = 1e-7  # Keras' backend.epsilon()


def positive(n, k=3, seed=0):
    return np.random.default_rng(seed + n).uniform(0.0, 4.0, size=(n, k))


def reals(n, k=3, seed=0):
    return np.random.default_rng(seed + n).normal(size=(n, k)) * 2


def away_from_zero(n, k=3):
    rng = np.random.default_rng(7 + n)
    return rng.uniform(0.5, 3.0, size=(n, k)) * rng.choice([-1.0, 1.0], size=(n, k))


# Keras 3's per-entry terms (keras/src/losses/losses.py), before its mean over the outputs
def keras_msle(y, p):
    return (np.log(np.maximum(p, EPS) + 1.0) - np.log(np.maximum(y, EPS) + 1.0)) ** 2


def keras_mape(y, p):
    return 100.0 * np.abs((y - p) / np.maximum(np.abs(y), EPS))


def keras_normalize(x):  # keras.ops.normalize(x, order=2): x * min(rsqrt(sum x^2), 1 / eps)
    return x * np.minimum(1 / np.sqrt(np.sum(x * x, axis=-1, keepdims=True)), 1 / EPS)


def keras_cosine(y, p):  # one term per sample: a column
    with np.errstate(divide="ignore"):  # rsqrt(0) = inf, then floored at 1 / eps
        return -np.sum(keras_normalize(y) * keras_normalize(p), axis=-1)[:, None]


# loss, its Keras terms, targets(n), predictions(n)
CASES = {
    "msle": (MeanSquaredLogarithmicError, keras_msle, positive,
             lambda n: positive(n, seed=50) - 0.5),  # some predictions below 0: floored
    "mape": (MeanAbsolutePercentageError, keras_mape, away_from_zero, reals),
    "cosine_similarity": (CosineSimilarity, keras_cosine, reals, lambda n: reals(n, seed=9)),
}


@pytest.mark.parametrize("case", CASES)
def test_values_are_keras_terms_summed_over_outputs(case):
    cls, terms, make_y, make_p = CASES[case]
    y, p, w = make_y(6), make_p(6), np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0])
    per_sample = terms(y, p).sum(axis=1)
    np.testing.assert_allclose(cls(reduction="none")(y, p), per_sample, rtol=1e-13)
    assert cls()(y, p) == pytest.approx(per_sample.sum() / 6, rel=1e-13)
    assert cls(reduction="sum")(y, p, w) == pytest.approx((per_sample * w).sum(), rel=1e-13)
    assert cls()(y, p, w) == pytest.approx((per_sample * w).sum() / 6, rel=1e-13)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradient_matches_finite_differences(case, batch):
    cls, _, make_y, make_p = CASES[case]
    model = Sequential([Identity()]).build(3)
    p = np.abs(make_p(batch)) + 0.01 if case == "msle" else make_p(batch)  # away from the floor
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(model, cls(reduction=reduction), p, make_y(batch)) < 1e-6


def _torch_terms(torch, case, y, p):
    """Keras' formula per sample, in torch (clamp passes the gradient from its bound on)."""
    if case == "msle":
        logs = torch.log1p(torch.clamp(p, min=EPS)) - torch.log1p(torch.clamp(y, min=EPS))
        return (logs**2).sum(dim=1)
    if case == "mape":
        return (100 * torch.abs(p - y) / torch.clamp(torch.abs(y), min=EPS)).sum(dim=1)
    return -torch.nn.functional.cosine_similarity(p, y, dim=1, eps=EPS)


@pytest.mark.parametrize("case", CASES)
def test_values_and_gradients_match_torch(case):
    torch = pytest.importorskip("torch")
    cls, _, make_y, make_p = CASES[case]
    y, p, w = make_y(8), make_p(8), np.linspace(0.5, 2.0, 8)
    p_t = torch.tensor(p, requires_grad=True)
    value = (_torch_terms(torch, case, torch.tensor(y), p_t) * torch.tensor(w)).sum() / 8
    value.backward()
    assert cls()(y, p, w) == pytest.approx(value.item(), rel=1e-13)
    np.testing.assert_allclose(cls().grad(y, p, w), p_t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gradients_are_the_documented_formulas_with_weights():
    w = np.array([0.5, 2.0, 0.0, 1.0])
    y, p = positive(4), positive(4, seed=3)
    p[0, 0], p[1, 1] = -2.0, EPS / 2  # below the floor: no gradient
    d = np.log1p(np.maximum(p, EPS)) - np.log1p(y)
    expected = np.where(p >= EPS, 2 * d / (1 + p), 0.0) * w[:, None] / 4
    np.testing.assert_allclose(MeanSquaredLogarithmicError().grad(y, p, w), expected, rtol=1e-14)
    y, p = away_from_zero(4), reals(4)
    y[2, 0] = 0.0  # floored at eps: 1e9 times the sign
    expected = 100 * np.sign(p - y) / np.maximum(np.abs(y), EPS) * w[:, None]
    np.testing.assert_allclose(MeanAbsolutePercentageError(reduction="sum").grad(y, p, w),
                               expected, rtol=1e-14)
    y, p = reals(4), reals(4, seed=5)
    u = y / np.linalg.norm(y, axis=1, keepdims=True)
    norm = np.linalg.norm(p, axis=1, keepdims=True)
    v = p / norm
    expected = -(u - np.sum(u * v, axis=1, keepdims=True) * v) / norm * w[:, None] / 4
    np.testing.assert_allclose(CosineSimilarity().grad(y, p, w), expected, rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_float32_kept(case):
    cls, terms, make_y, make_p = CASES[case]
    y, p = make_y(5), make_p(5).astype(np.float32)
    assert cls().grad(y, p).dtype == np.float32
    assert cls(reduction="none")(y, p).dtype == np.float32
    assert cls()(y, p) == pytest.approx(terms(y, p.astype(float)).sum() / 5, rel=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_give_finite_results_without_warnings(dtype):
    big, tiny = float(np.finfo(dtype).max), float(np.finfo(dtype).smallest_subnormal)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = np.array([[-big, -1.0, 0.0, tiny, 1e30, big]], dtype)
        msle = MeanSquaredLogarithmicError(reduction="none")
        for y in (np.zeros((1, 6)), np.full((1, 6), 1e30)):
            assert np.isfinite(msle(y, p)).all() and np.isfinite(msle.grad(y, p)).all()
        np.testing.assert_array_equal(msle.grad(np.zeros((1, 6)), p)[0, :4], 0.0)  # below eps
        mape = MeanAbsolutePercentageError(reduction="none")
        y, p = np.array([[0.0, tiny, 1e30, -1e30]]), np.array([[1.0, -1.0, -1e30, 1e30]], dtype)
        np.testing.assert_allclose(mape(y, p), [1e9 + 1e9 + 200 + 200], rtol=1e-6)
        assert np.isfinite(mape.grad(y, p)).all()
        rows = np.array([[big, big, -big], [1e30, 0, 0], [tiny, 0, 0], [0, 0, 0], [tiny, tiny, 0]],
                        dtype)
        cosine = CosineSimilarity(reduction="none")
        values, grad = cosine(np.ones((5, 3)), rows), cosine.grad(np.ones((5, 3)), rows)
        assert values.dtype == dtype and np.isfinite(values).all() and np.isfinite(grad).all()
        np.testing.assert_allclose(values[:2], [-1 / 3, -1 / np.sqrt(3)], rtol=1e-6)
        assert np.all(np.abs(values[2:]) < 1e-30)  # a row below eps: x / eps, about 0
        np.testing.assert_allclose(grad[3], -np.ones(3) / np.sqrt(3) / EPS, rtol=1e-6)


def test_cosine_keras_docstring_example():
    y, p = [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]]
    np.testing.assert_allclose(CosineSimilarity(reduction=None)(y, p), [-0.0, -1.0, 1.0],
                               rtol=1e-15)


def test_cosine_is_minus_one_for_the_same_direction_and_zero_for_a_zero_row():
    y = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    p = np.array([[2.0, 4.0, 6.0], [0.0, 5.0, 0.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(CosineSimilarity(reduction="none")(y, p), [-1.0, 0.0, 0.0],
                               atol=1e-15)
    assert np.abs(CosineSimilarity().grad(y[:1], p[:1])).max() < 1e-15  # already aligned


def test_bad_inputs_are_refused_naming_the_value():
    with pytest.raises(ValueError, match=r"targets >= 0 for the mean squared logarithmic error "
                                         r"in y_true\. Received -0\.5 at index \(1, 0\)"):
        MeanSquaredLogarithmicError()(np.array([[1.0], [-0.5]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"finite y_pred\. Received nan"):
        CosineSimilarity()(np.ones((1, 2)), np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="reduction='avg'"):
        MeanAbsolutePercentageError(reduction="avg")


@pytest.mark.parametrize("name, cls", [
    ("msle", MeanSquaredLogarithmicError), ("MSLE", MeanSquaredLogarithmicError),
    ("mean_squared_logarithmic_error", MeanSquaredLogarithmicError),
    ("MeanSquaredLogarithmicError", MeanSquaredLogarithmicError),
    ("mape", MeanAbsolutePercentageError), ("MAPE", MeanAbsolutePercentageError),
    ("mean_absolute_percentage_error", MeanAbsolutePercentageError),
    ("MeanAbsolutePercentageError", MeanAbsolutePercentageError),
    ("cosine_similarity", CosineSimilarity), ("CosineSimilarity", CosineSimilarity)])
def test_keras_names_resolve(name, cls):
    assert type(loss_by_name(name)) is cls
    assert getattr(nonlin.losses, cls.__name__) is cls and cls.__name__ in nonlin.__all__


def test_mape_names_a_loss_among_losses_and_a_metric_among_metrics(tmp_path):
    """The same strings in both tables, as in Keras: the loss sums over the outputs, the
    metric averages (over samples and outputs)."""
    from nonlin.metrics import MeanAbsolutePercentageError as MapeMetric

    assert lookup("loss", "mape") is MeanAbsolutePercentageError
    assert lookup("metric", "mape") is lookup("metric", "MeanAbsolutePercentageError") is MapeMetric
    X, y = reals(40, k=2), away_from_zero(40, k=2)
    model = Sequential([nonlin.Dense(2)])
    model.compile("sgd", "mape", metrics=["mape"])
    model.fit(X, y, epochs=1, verbose=0, seed=0)
    scores = model.evaluate(X, y)
    assert scores["loss"] == pytest.approx(2 * scores["mape"], rel=1e-12)  # 2 outputs
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert type(loaded.loss) is MeanAbsolutePercentageError and loaded._metrics == ["mape"]


FITS = {  # model, X, y
    "msle": lambda: (Sequential([nonlin.Dense(1), nonlin.Softplus()]), reals(120, k=2),
                     np.exp(reals(120, k=2) @ [[0.3], [0.2]])),
    "mape": lambda: (Sequential([nonlin.Dense(1)]), reals(120, k=2),
                     3.0 + reals(120, k=2) @ [[0.4], [0.3]]),
    "cosine_similarity": lambda: (Sequential([nonlin.Dense(3)]), reals(120),
                                  reals(120) @ np.array([[1.0, 0, 0], [0, 2, 1], [0, 0, -1]])),
}


@pytest.mark.parametrize("name", FITS)
def test_fit_decreases_the_loss_and_the_file_keeps_it(name, tmp_path):
    model, X, y = FITS[name]()
    before = model.build(X.shape[1], seed=0).evaluate(X, y, loss=name)["loss"]
    history = model.fit(X, y, loss=name, optimizer=nonlin.Adam(0.05), epochs=8, batch_size=32,
                        seed=0, verbose=0)
    losses, score = history.history["loss"], model.evaluate(X, y)["loss"]
    assert losses[-1] < losses[0] and score < before - 0.2 * abs(before)
    assert score == pytest.approx(loss_by_name(name)(y, model.predict(X)), rel=1e-12)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert type(loaded.loss) is type(model.loss) and loaded.evaluate(X, y)["loss"] == score


def test_fit_refuses_negative_targets_for_msle():
    with pytest.raises(ValueError, match=r"targets >= 0 .* in y\. Received -1\.0 at index "
                                         r"\(2, 0\)"):
        Sequential([nonlin.Dense(1), nonlin.Softplus()]).fit(
            np.zeros((3, 2)), [1.0, 0.0, -1.0], loss="msle", optimizer="sgd", verbose=0)


@pytest.mark.parametrize("layers, warns", [
    ([nonlin.Dense(1)], r"MeanSquaredLogarithmicError takes values >= 0 \(below 1e-7 their "
                        r"gradient is 0\), .* Dense \(layers\[0\]\)"),
    ([nonlin.Dense(1), nonlin.Tanh(), nonlin.Dropout(0.2)], re.escape("Tanh (layers[1])")),
    ([nonlin.Dense(1), nonlin.Softplus()], None), ([nonlin.Dense(1), nonlin.ReLU()], None),
    ([nonlin.Dense(1), nonlin.Exp(), nonlin.Dropout(0.5)], None),
    ([nonlin.Dense(1), nonlin.ReLU6()], None), ([nonlin.Dense(1), nonlin.HardSigmoid()], None)])
def test_fit_warns_of_a_last_layer_that_gives_values_below_zero_for_msle(layers, warns):
    X, y = np.array([[0.1], [0.2]]), np.array([[1.0], [0.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Sequential(layers).fit(X, y, loss="msle", optimizer=nonlin.SGD(1e-3), seed=0, verbose=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if warns is None:
        assert not messages, messages
    else:
        assert len(messages) == 1 and re.search(warns, messages[0]), messages
        assert caught[0].filename == __file__  # points at the caller of fit
