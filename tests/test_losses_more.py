"""Poisson, KLDivergence and LogCosh: values against Keras 3's formulas (and PyTorch's where
they coincide), gradients by finite differences, reductions, weights, float32, fit, files."""

import math
import re
import warnings

import numpy as np
import pytest

import nonlin
from loss_helpers import predictions, targets
from nonlin import Exp, Identity, KLDivergence, LogCosh, Poisson, Sequential, Softmax, gradcheck
from nonlin.registry import loss as loss_by_name

EPS = 1e-7  # Keras' backend.epsilon()


def counts(n, k=3):
    return np.random.default_rng(n).poisson(2.0, size=(n, k)).astype(float)


def rates(n, k=3):
    return np.random.default_rng(100 + n).uniform(0.2, 4.0, size=(n, k))


def distributions(n, k=3, seed=0):
    rows = np.random.default_rng(seed + n).uniform(0.05, 1.0, size=(n, k))
    return rows / rows.sum(axis=1, keepdims=True)


# Keras 3's per-entry terms, written out in float64 (keras/src/losses/losses.py)
def keras_poisson(y, p):
    return p - y * np.log(p + EPS)


def keras_kld(y, p):
    t, q = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    return t * np.log(t / q)


def keras_log_cosh(y, p):
    return np.log(np.cosh(p - y))


# loss, its Keras terms, targets(n), predictions(n)
CASES = {
    "poisson": (Poisson, keras_poisson, counts, rates),
    "kl_divergence": (KLDivergence, keras_kld, distributions,
                      lambda n: distributions(n, seed=50)),
    "log_cosh": (LogCosh, keras_log_cosh, lambda n: targets("real", n),
                 lambda n: predictions("scores", n)),
}


@pytest.mark.parametrize("case", CASES)
def test_values_are_keras_terms_summed_over_outputs(case):
    cls, terms, make_y, make_p = CASES[case]
    y, p, w = make_y(6), make_p(6), np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0])
    per_sample = terms(y, p).sum(axis=1)
    np.testing.assert_allclose(cls(reduction="none")(y, p), per_sample, rtol=1e-13)
    assert cls()(y, p) == pytest.approx(per_sample.sum() / 6, rel=1e-13)
    assert cls(reduction="sum")(y, p) == pytest.approx(per_sample.sum(), rel=1e-13)
    assert cls()(y, p, w) == pytest.approx((per_sample * w).sum() / 6, rel=1e-13)
    np.testing.assert_allclose(cls(reduction="none")(y, p, w), per_sample * w, rtol=1e-13)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradient_matches_finite_differences(case, batch):
    cls, _, make_y, make_p = CASES[case]
    model = Sequential([Identity()]).build(3)
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(model, cls(reduction=reduction), make_p(batch), make_y(batch)) < 1e-6


def test_gradients_are_the_documented_formulas_with_weights():
    w = np.array([0.5, 2.0, 0.0, 1.0])
    y, p = counts(4), rates(4)
    np.testing.assert_allclose(Poisson().grad(y, p, w),
                               (1 - y / (p + EPS)) * w[:, None] / 4, rtol=1e-14)
    y, p = targets("real", 4), predictions("scores", 4)
    np.testing.assert_allclose(LogCosh(reduction="sum").grad(y, p, w),
                               np.tanh(p - y) * w[:, None], rtol=1e-14)
    y, p = distributions(4), distributions(4, seed=9)
    np.testing.assert_allclose(KLDivergence().grad(y, p, w), -y / p * w[:, None] / 4, rtol=1e-14)


def test_kl_gradient_is_zero_where_keras_clip_is_flat():
    # Keras differentiates through clip(y_pred, eps, 1): 0 below eps, the formula from eps on
    y, p = np.array([[0.5, 0.5, 0.0]]), np.array([[0.0, 1.0, 0.0]])
    g = KLDivergence(reduction="sum").grad(y, p)
    np.testing.assert_array_equal(g, [[0.0, -0.5, 0.0]])
    at_eps = KLDivergence(reduction="sum").grad(np.array([[1.0, 0.0]]), np.array([[EPS, 1.0]]))
    np.testing.assert_allclose(at_eps, [[-1 / EPS, -EPS]], rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_float32_kept(case):
    cls, terms, make_y, make_p = CASES[case]
    y, p = make_y(5), make_p(5).astype(np.float32)
    assert cls().grad(y, p).dtype == np.float32
    assert cls(reduction="none")(y, p).dtype == np.float32
    assert cls()(y, p) == pytest.approx(terms(y, p.astype(float)).sum() / 5, rel=1e-5)


def test_poisson_and_kl_agree_with_torch_where_the_definitions_coincide():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    y, p = counts(8), rates(8)
    mine = Poisson(reduction="none")(y, p)
    theirs = [functional.poisson_nll_loss(torch.tensor(p[i]), torch.tensor(y[i]), log_input=False,
                                          full=False, eps=EPS, reduction="sum").item()
              for i in range(8)]
    np.testing.assert_allclose(mine, theirs, rtol=1e-14)
    y, p = distributions(8), distributions(8, seed=7)
    y[0, 0], p[1, 2] = 0.0, 0.0  # the clip at work
    t, q = torch.tensor(np.clip(y, EPS, 1)), torch.tensor(np.clip(p, EPS, 1))
    theirs = functional.kl_div(torch.log(q), t, reduction="none").sum(dim=1).numpy()
    np.testing.assert_allclose(KLDivergence(reduction="none")(y, p), theirs, rtol=1e-14)


def test_log_cosh_is_finite_without_warnings_for_huge_residuals():
    y, p = np.zeros((1, 4)), np.array([[1e5, -1e5, 1e300, -1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_entry = [LogCosh(reduction="sum")(y[:, :1], p[:, i:i + 1]) for i in range(4)]
        grad = LogCosh().grad(y, p)
    np.testing.assert_allclose(per_entry, np.abs(p[0]) - np.log(2), rtol=1e-15)
    np.testing.assert_array_equal(grad, [[1.0, -1.0, 1.0, -1.0]])  # one sample
    assert LogCosh()(np.zeros(3), np.zeros(3)) == 0.0


def test_bad_inputs_are_refused_naming_the_value():
    with pytest.raises(ValueError, match=r">= 0 .* y_pred\. Received -0\.5 at index \(1, 0\).*Exp"):
        Poisson()(np.ones((2, 1)), np.array([[1.0], [-0.5]]))
    with pytest.raises(ValueError, match=r"targets >= 0 .*Received -2\.0 at index \(0, 1\)"):
        Poisson().grad(np.array([[1.0, -2.0]]), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\] in y_pred\. Received 1\.5 at index \(0, 0\)"):
        KLDivergence()(np.array([[1.0, 0.0]]), np.array([[1.5, -0.5]]))
    with pytest.raises(ValueError, match=r"target prob.*Received -0\.1 at index \(0, 1\)"):
        KLDivergence().grad(np.array([[1.0, -0.1]]), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"finite y_pred\. Received inf"):
        LogCosh()(np.zeros(2), np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="reduction='avg'"):
        LogCosh(reduction="avg")


@pytest.mark.parametrize("name, cls", [
    ("poisson", Poisson), ("Poisson", Poisson), ("kl_divergence", KLDivergence),
    ("kld", KLDivergence), ("KLD", KLDivergence), ("kullback_leibler_divergence", KLDivergence),
    ("KLDivergence", KLDivergence), ("log_cosh", LogCosh), ("logcosh", LogCosh),
    ("LogCosh", LogCosh)])
def test_keras_names_resolve(name, cls):
    assert type(loss_by_name(name)) is cls
    assert getattr(nonlin.losses, cls.__name__) is cls and cls.__name__ in nonlin.__all__


def _poisson_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(X @ np.array([0.5, -0.3]) + 0.2))[:, None].astype(float)
    return Sequential([nonlin.Dense(1), Exp()]), X, y


FITS = {  # model, X, y for each loss
    "poisson": _poisson_regression,
    "kl_divergence": lambda: (Sequential([nonlin.Dense(3), Softmax()]),
                              np.random.default_rng(1).normal(size=(120, 4)),
                              distributions(120)),
    "log_cosh": lambda: (Sequential([nonlin.Dense(1)]),
                         np.random.default_rng(2).normal(size=(120, 2)),
                         np.random.default_rng(2).normal(size=(120, 2)) @ [[1.0], [2.0]]),
}


@pytest.mark.parametrize("name", FITS)
def test_fit_decreases_the_loss_and_the_file_keeps_it(name, tmp_path):
    model, X, y = FITS[name]()
    before = model.build(X.shape[1], seed=0).evaluate(X, y, loss=name)["loss"]
    history = model.fit(X, y, loss=name, optimizer=nonlin.Adam(0.05), epochs=6, batch_size=32,
                        seed=0, verbose=0)
    losses = history.history["loss"]
    score = model.evaluate(X, y)["loss"]
    assert losses[-1] < losses[0] and score < 0.95 * before  # (Poisson's minimum is not 0)
    assert score == pytest.approx(CASES[name][0]()(y, model.predict(X)), rel=1e-12)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert type(loaded.loss) is type(model.loss)
    assert loaded.evaluate(X, y)["loss"] == score


def test_poisson_regression_recovers_the_rates():
    model, X, y = _poisson_regression()
    model.compile(nonlin.Adam(0.05), Poisson())
    model.fit(X, y, epochs=40, batch_size=50, seed=0, verbose=0)
    W, b = model.get_weights()
    np.testing.assert_allclose(W[:, 0], [0.5, -0.3], atol=0.15)
    assert b[0] == pytest.approx(0.2, abs=0.15)


def test_fit_refuses_targets_out_of_range_naming_the_value():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"targets >= 0 .*in y\. Received -1\.0 at index \(2, 0\)"):
        Sequential([nonlin.Dense(1), Exp()]).fit(X, [[1.0], [0.0], [-1.0]], loss="poisson",
                                                 optimizer="sgd", verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 1\] for the KL divergence in y\. Received 2\.0"):
        Sequential([nonlin.Dense(2), Softmax()]).fit(X, [[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]],
                                                     loss="kld", optimizer="sgd", verbose=0)


@pytest.mark.parametrize("loss, layers, warns", [
    ("poisson", [nonlin.Dense(1)], "Poisson takes rates >= 0, .* Dense \\(layers\\[0\\]\\)"),
    ("poisson", [nonlin.Dense(1), nonlin.Tanh(), nonlin.Dropout(0.1)], "Tanh \\(layers\\[1\\]"),
    ("kld", [nonlin.Dense(1), Exp()], "KLDivergence takes probabilities in \\[0, 1\\]"),
    ("poisson", [nonlin.Dense(1), nonlin.Softplus()], None),
    ("kld", [nonlin.Dense(1), nonlin.Sigmoid()], None),
    ("poisson", [nonlin.Dense(1), Exp(), nonlin.Dropout(0.5)], None),
    # Dropout's 1 / (1 - rate) takes probabilities past 1
    ("kld", [nonlin.Dense(1), nonlin.Sigmoid(), nonlin.Dropout(0.5)], "Dropout \\(layers\\[2\\]"),
    ("log_cosh", [nonlin.Dense(1)], None)])
def test_fit_warns_of_a_last_layer_without_the_range_the_loss_takes(loss, layers, warns):
    X, y = np.array([[0.1], [0.2]]), np.array([[1.0], [0.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Sequential(layers).fit(X, y, loss=loss, optimizer=nonlin.SGD(1e-3), seed=0, verbose=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if warns is None:
        assert not messages, messages
    else:
        assert len(messages) == 1 and re.search(warns, messages[0]), messages
        assert caught[0].filename == __file__  # points at the caller of fit


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_log_cosh_keeps_its_relative_accuracy_for_small_residuals(dtype, rtol) -> None:
    """|r| + log1p(exp(-2|r|)) - log 2 cancels for a small |r|: float32 losses came out
    negative (-6e-8 at r = 1e-4) and float64 ones 20% off at 1e-8."""
    r = np.logspace(-8, 0.5, 400).astype(dtype)
    got = LogCosh(reduction="none")(np.zeros((r.size, 1), dtype), r[:, None])
    r64 = r.astype(np.float64)
    series = r64**2 / 2 - r64**4 / 12 + r64**6 / 45  # log cosh r for |r| <= 1e-3
    exact = np.array([math.log1p(2 * math.sinh(v / 2) ** 2) for v in r64])
    expected = np.where(r64 <= 1e-3, series, exact)
    assert got.dtype == dtype and np.all(got > 0)
    np.testing.assert_allclose(got, expected, rtol=rtol)
