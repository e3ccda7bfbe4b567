"""Hinge, SquaredHinge and CategoricalHinge: values against Keras 3's formulas, gradients by
finite differences and by PyTorch's autograd, hand-worked kinks and ties, reductions, weights,
float32, extremes, fit's target checks, files."""

import re
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import CategoricalHinge, Hinge, Identity, Sequential, SquaredHinge, gradcheck
from nonlin.registry import loss as loss_by_name


def signs(n, k=3):
    return np.random.default_rng(n).choice([-1.0, 1.0], size=(n, k))


def bits(n, k=3):
    return np.random.default_rng(n + 1).integers(0, 2, size=(n, k)).astype(float)


def one_hot(n, k=3):
    return np.eye(k)[np.random.default_rng(n + 2).integers(0, k, size=n)]


def scores(n, k=3):
    return np.random.default_rng(100 + n).normal(size=(n, k)) * 1.5


# Keras 3's per-entry terms (keras/src/losses/losses.py), before its mean over the outputs
def keras_signs(y):
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y  # convert_binary_labels_...


def keras_hinge(y, p):
    return np.maximum(1.0 - keras_signs(y) * p, 0.0)


def keras_squared_hinge(y, p):
    return keras_hinge(y, p) ** 2


def keras_categorical_hinge(y, p):  # one term per sample: a column
    pos, neg = np.sum(y * p, axis=-1), np.max((1.0 - y) * p, axis=-1)
    return np.maximum(neg - pos + 1.0, 0.0)[:, None]


# loss, its Keras terms, targets(n)
CASES = {
    "hinge_signs": (Hinge, keras_hinge, signs),
    "hinge_bits": (Hinge, keras_hinge, bits),
    "squared_hinge_signs": (SquaredHinge, keras_squared_hinge, signs),
    "squared_hinge_bits": (SquaredHinge, keras_squared_hinge, bits),
    "categorical_hinge": (CategoricalHinge, keras_categorical_hinge, one_hot),
}


@pytest.mark.parametrize("case", CASES)
def test_values_are_keras_terms_summed_over_outputs(case):
    cls, terms, make_y = CASES[case]
    y, p, w = make_y(6), scores(6), np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0])
    per_sample = terms(y, p).sum(axis=1)
    np.testing.assert_allclose(cls(reduction="none")(y, p), per_sample, rtol=1e-14)
    assert cls()(y, p) == pytest.approx(per_sample.sum() / 6, rel=1e-14)
    assert cls(reduction="sum")(y, p, w) == pytest.approx((per_sample * w).sum(), rel=1e-14)
    assert cls()(y, p, w) == pytest.approx((per_sample * w).sum() / 6, rel=1e-14)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradient_matches_finite_differences(case, batch):
    cls, _, make_y, = CASES[case]
    model = Sequential([Identity()]).build(3)
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(model, cls(reduction=reduction), scores(batch), make_y(batch)) < 1e-6


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_torch_autograd_of_keras_formula(case):
    torch = pytest.importorskip("torch")
    cls, _, make_y = CASES[case]
    y, p, w = make_y(8), scores(8), np.linspace(0.5, 2.0, 8)
    p_t, y_t = torch.tensor(p, requires_grad=True), torch.tensor(y)
    if cls is CategoricalHinge:
        neg = torch.amax((1 - y_t) * p_t, dim=1)
        terms = torch.clamp(neg - (y_t * p_t).sum(dim=1) + 1, min=0)
    else:
        terms = torch.clamp(1 - torch.tensor(keras_signs(y)) * p_t, min=0)
        terms = (terms**2 if cls is SquaredHinge else terms).sum(dim=1)
    value = (terms * torch.tensor(w)).sum() / 8
    value.backward()
    assert cls()(y, p, w) == pytest.approx(value.item(), rel=1e-14)
    np.testing.assert_allclose(cls().grad(y, p, w), p_t.grad.numpy(), rtol=1e-14, atol=1e-16)


def test_hand_worked_hinge_values_and_gradients_at_the_kink():
    y, p = np.array([[1.0, 0.0]]), np.array([[0.3, 0.4]])  # 0 and 1 read as -1 and 1
    assert Hinge(reduction="sum")(y, p) == pytest.approx(0.7 + 1.4)
    np.testing.assert_array_equal(Hinge(reduction="sum").grad(y, p), [[-1.0, 1.0]])
    assert SquaredHinge(reduction="sum")(y, p) == pytest.approx(0.49 + 1.96)
    np.testing.assert_allclose(SquaredHinge(reduction="sum").grad(y, p), [[-1.4, 2.8]])
    y, p = np.array([[1.0, -1.0, 1.0]]), np.array([[1.0, -1.0, 2.0]])  # margins 0, 0, -1
    assert Hinge(reduction="sum")(y, p) == 0.0
    # at the kink TensorFlow's maximum passes the gradient on (-t), beyond it 0
    np.testing.assert_array_equal(Hinge(reduction="sum").grad(y, p), [[-1.0, 1.0, -0.0]])
    np.testing.assert_array_equal(SquaredHinge(reduction="sum").grad(y, p), [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("p, value, grad", [
    ([0.5, 0.2, -1.0], 1.3, [1.0, -1.0, 0.0]),  # neg = 0.5 (class 0), pos = 0.2
    ([0.5, 0.2, 0.5], 1.3, [0.5, -1.0, 0.5]),  # a tie shares the gradient, as tf / jax / amax
    ([-1.0, 0.5, -3.0], 0.5, [0.0, -1.0, 0.0]),  # neg = 0: the class's own 0 * p counts
    ([-1.0, 2.0, -3.0], 0.0, [0.0, 0.0, 0.0]),  # a margin of 1 or more: no loss
])
def test_hand_worked_categorical_hinge(p, value, grad):
    y, p = np.array([[0.0, 1.0, 0.0]]), np.array([p])
    assert CategoricalHinge()(y, p) == pytest.approx(value)
    np.testing.assert_allclose(CategoricalHinge().grad(y, p), [grad], rtol=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_float32_kept(case):
    cls, terms, make_y = CASES[case]
    y, p = make_y(5), scores(5).astype(np.float32)
    assert cls().grad(y, p).dtype == np.float32
    assert cls(reduction="none")(y, p).dtype == np.float32
    assert cls()(y, p) == pytest.approx(terms(y, p.astype(float)).sum() / 5, rel=1e-5)


def test_extreme_scores_give_finite_values_without_warnings():
    y = np.array([[1.0, -1.0, 1.0, -1.0]])
    p = np.array([[1e300, 1e300, -1e300, 5e-324]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Hinge(reduction="none")(y, p)[0] == pytest.approx(1 + 1e300 + 1e300 + 1)
        np.testing.assert_array_equal(Hinge().grad(y, p), [[-0.0, 1.0, -1.0, 1.0]])
        small = np.array([[1e150, -1e150]])
        assert SquaredHinge()(np.array([[-1.0, 1.0]]), small) == pytest.approx(2e300)
        assert np.isfinite(SquaredHinge().grad(np.array([[-1.0, 1.0]]), small)).all()
        rows = np.array([[1e300, -1e300, 0.0], [5e-324, 0.0, 0.0], [0.0, 0.0, 0.0]])
        values = CategoricalHinge(reduction="none")(np.eye(3), rows)
        np.testing.assert_allclose(values, [0.0, 1.0, 1.0])
        assert np.isfinite(CategoricalHinge().grad(np.eye(3), rows)).all()


def test_bad_targets_are_refused_naming_the_value():
    p = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"\{-1, 1\} or in \{0, 1\} .* y_true\. Received 2\.0 "
                                         r"at index \(1, 0\)"):
        Hinge()(np.array([[1.0, 0.0], [2.0, 1.0]]), p)
    with pytest.raises(ValueError, match=r"not both\. Received -1 at index \(0, 1\) and 0 at "
                                         r"index \(1, 1\)"):
        SquaredHinge().grad(np.array([[1.0, -1.0], [1.0, 0.0]]), p)
    with pytest.raises(ValueError, match=r"one-hot .*categorical hinge in y_true\. Received "
                                         r"-1\.0 at index \(0, 0\)"):
        CategoricalHinge()(np.array([[-1.0, 1.0], [0.0, 1.0]]), p)
    with pytest.raises(ValueError, match="reduction='avg'"):
        Hinge(reduction="avg")


@pytest.mark.parametrize("name, cls", [
    ("hinge", Hinge), ("Hinge", Hinge), ("squared_hinge", SquaredHinge),
    ("SquaredHinge", SquaredHinge), ("categorical_hinge", CategoricalHinge),
    ("CategoricalHinge", CategoricalHinge)])
def test_keras_names_resolve(name, cls):
    assert type(loss_by_name(name)) is cls
    assert getattr(nonlin.losses, cls.__name__) is cls and cls.__name__ in nonlin.__all__
    assert cls.__module__ == "nonlin.losses_margin"


def _binary(labels):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(160, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)[:, None]
    return X, (2 * y - 1 if labels == "signs" else y)


FITS = {  # model, X, y
    "hinge": lambda: (Sequential([nonlin.Dense(1)]), *_binary("bits")),
    "squared_hinge": lambda: (Sequential([nonlin.Dense(1), nonlin.Tanh()]), *_binary("signs")),
    "categorical_hinge": lambda: (Sequential([nonlin.Dense(3)]),
                                  np.random.default_rng(4).normal(size=(150, 3)),
                                  np.eye(3)[np.arange(150) % 3]),
}


@pytest.mark.parametrize("name", FITS)
def test_fit_decreases_the_loss_and_the_file_keeps_it(name, tmp_path):
    model, X, y = FITS[name]()
    if name == "categorical_hinge":
        X[np.arange(150), np.arange(150) % 3] += 2.0  # the class's column stands out
    before = model.build(X.shape[1], seed=0).evaluate(X, y, loss=name)["loss"]
    history = model.fit(X, y, loss=name, optimizer=nonlin.Adam(0.05), epochs=8, batch_size=32,
                        seed=0, verbose=0)
    losses, score = history.history["loss"], model.evaluate(X, y)["loss"]
    assert losses[-1] < losses[0] and score < 0.5 * before
    assert score == pytest.approx(loss_by_name(name)(y, model.predict(X)), rel=1e-12)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert type(loaded.loss) is type(model.loss) and loaded.evaluate(X, y)["loss"] == score


def test_fit_refuses_targets_out_of_range_naming_the_value():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"\{0, 1\} for the hinge loss in y\. Received 0\.5 at "
                                         r"index \(2, 0\)"):
        Sequential([nonlin.Dense(1)]).fit(X, [1.0, 0.0, 0.5], loss="hinge", optimizer="sgd",
                                          verbose=0)
    with pytest.raises(ValueError, match=re.escape("not both. Received -1 at index (1, 0)")):
        Sequential([nonlin.Dense(1)]).fit(X, [[0.0], [-1.0], [1.0]], loss="squared_hinge",
                                          optimizer="sgd", verbose=0)
    with pytest.raises(ValueError, match=r"one-hot .* in y\. Received 2\.0 at index \(0, 0\)"):
        Sequential([nonlin.Dense(2)]).fit(X, [[2.0, 0.0], [0.0, 1.0], [1.0, 0.0]],
                                          loss="categorical_hinge", optimizer="sgd", verbose=0)


def test_fit_with_integer_labels_points_categorical_hinge_to_one_hot_rows() -> None:
    X = np.random.default_rng(0).normal(size=(12, 3))
    model = Sequential([nonlin.Dense(3)])
    with pytest.raises(ValueError, match=r"for class labels use one-hot rows \(np.eye"):
        model.fit(X, np.arange(12) % 3, loss="categorical_hinge", optimizer="sgd", verbose=0)


@pytest.mark.parametrize("negative", [-1.0, 0.0])
def test_metrics_read_hinge_scores_as_the_class_score_gt_0(negative) -> None:
    """accuracy, precision, recall and AUC with a hinge: the class is ``score > 0`` and a
    target of -1 is negative (they thresholded at 0.5 and counted -1 as positive)."""
    y = np.array([[1.0], [negative], [1.0], [negative], [1.0], [negative]])
    p = np.array([[0.3], [-0.3], [0.4], [0.2], [-0.1], [-2.0]])
    model = Sequential([Identity()]).build(1, seed=0)
    for loss in ("hinge", "squared_hinge"):
        logs = model.evaluate(p, y, loss=loss, metrics=["accuracy", "precision", "recall", "auc"],
                              verbose=0)
        assert logs["accuracy"] == pytest.approx(4 / 6)
        assert logs["precision"] == pytest.approx(2 / 3) and logs["recall"] == pytest.approx(2 / 3)
        # positives 0.4, 0.3, -0.1 above negatives 0.2, -0.3, -2.0 in 8 of 9 pairs
        assert logs["auc"] == pytest.approx(8 / 9, abs=2e-3)
