"""nonlin's L-BFGS objective has scikit-learn's bits, so L-BFGS takes scikit-learn's path.

L-BFGS is chaotic where the loss gets small (near-separable classes, a few
hundred iterations): a last-bit difference in one value or gradient grows until
the final losses differ by percents. The first test evaluates both objectives
(scikit-learn's ``_backprop``, nonlin's ``lbfgs_objective``) at random points
and asks for equal bits; the second fits both from the same initial weights.
"""

import inspect
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits, make_blobs, make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin._sklearn_lbfgs import lbfgs_objective  # noqa: E402

# scikit-learn 1.6: no sample weights, no Poisson loss, its _backprop without sample_weight
WEIGHTS = "sample_weight" in inspect.signature(skl.MLPClassifier.fit).parameters


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:120] / 16.0, y[:120]


def targets(task, y):
    """``(estimator name, y, extra parameters)`` for each kind of scikit-learn objective."""
    if task == "multiclass":
        return "MLPClassifier", y, {}
    if task == "binary":
        return "MLPClassifier", y > 4, {}
    if task == "multilabel":
        return "MLPClassifier", np.stack([y % 2, y > 4, y % 3 == 0], axis=1).astype(int), {}
    regression = np.stack([y / 10.0, np.sin(y)], axis=1)
    if task == "poisson":
        return "MLPRegressor", np.abs(regression), {"loss": "poisson"}
    return "MLPRegressor", regression, {}


def sklearn_objective(ref, X, y, sample_weight, theta):
    """scikit-learn's ``_loss_grad_lbfgs`` at ``theta``: its ``_unpack`` (views of
    ``theta``), ``_backprop`` and ``_pack``."""
    shapes = [w.shape for w in ref.coefs_]
    sizes = [a * b for a, b in shapes] + [b for _, b in shapes]
    parts = np.split(theta, np.cumsum(sizes)[:-1])
    ref.coefs_ = [np.reshape(p, s) for p, s in zip(parts, shapes, strict=False)]
    ref.intercepts_ = parts[len(shapes):]
    activations = [X] + [None] * len(shapes)
    coef_grads = [np.empty(s) for s in shapes]
    intercept_grads = [np.empty(s[1]) for s in shapes]
    weights = (sample_weight,) if WEIGHTS else ()
    loss, coef_grads, intercept_grads = ref._backprop(
        X, y, *weights, activations, [None] * len(shapes), coef_grads, intercept_grads)
    return loss, np.hstack([g.ravel() for g in coef_grads + intercept_grads])


@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "squared", "poisson"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("weighted", [False, True])
def test_objective_value_and_gradient_are_sklearns_bit_for_bit(digits, task, activation,
                                                               weighted):
    if (weighted or task == "poisson") and not WEIGHTS:
        pytest.skip("scikit-learn < 1.7: MLP has no sample_weight nor loss='poisson'")
    X, labels = digits
    name, y, extra = targets(task, labels)
    params = dict(solver="lbfgs", hidden_layer_sizes=(7, 5), activation=activation, alpha=0.3,
                  max_iter=1, random_state=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = getattr(skl, name)(**params).fit(X, y)
        ours = getattr(nls, name)(**params).fit(X, y)
    rng = np.random.default_rng(0)
    sample_weight = rng.uniform(0.1, 3.0, X.shape[0]) if weighted else None
    if name == "MLPClassifier":  # scikit-learn's boolean indicators; nonlin's 0.0 / 1.0
        y_ref = ref._label_binarizer.transform(y).astype(bool)
        Y = ours._label_binarizer.transform(y).astype(np.float64)
    else:
        y_ref = Y = y
    objective = lbfgs_objective(ours, X, Y, sample_weight)
    n = sum(w.size for w in ref.coefs_ + ref.intercepts_)
    # 3.0: saturated units, probabilities clipped to [eps, 1 - eps] (exp(z) would overflow)
    for scale in (0.3, 1.0 if task == "poisson" else 3.0):
        theta = scale * rng.standard_normal(n)
        value, grad = objective(theta.copy())
        ref_value, ref_grad = sklearn_objective(ref, X, y_ref, sample_weight, theta.copy())
        assert value == ref_value
        np.testing.assert_array_equal(grad, ref_grad)


NEAR_SEPARABLE = {  # before: final losses 6 % and 200 % apart
    "moons-relu": (make_moons(200, noise=0.05, random_state=1), "relu", 1e-4),
    "blobs-relu": (make_blobs(200, centers=4, cluster_std=0.6, random_state=1), "relu", 1e-4),
}


@pytest.mark.parametrize("case", sorted(NEAR_SEPARABLE))
def test_lbfgs_on_near_separable_data_ends_at_sklearns_loss(case):
    (X, y), activation, alpha = NEAR_SEPARABLE[case]
    params = dict(solver="lbfgs", hidden_layer_sizes=(10,), activation=activation,
                  alpha=alpha, tol=0.0, max_iter=1)
    ref = skl.MLPClassifier(random_state=0, **params)
    ours = nls.MLPClassifier(random_state=1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y)
        ours.fit(X, y)
        ours.coefs_ = [w.copy() for w in ref.coefs_]
        ours.intercepts_ = [b.copy() for b in ref.intercepts_]
        for est in (ref, ours):
            est.set_params(warm_start=True, max_iter=400).fit(X, y)
    assert ref.n_iter_ > 100 and ref.loss_ < 1e-3  # the hard case: long, near zero
    assert ours.loss_ == pytest.approx(ref.loss_, rel=0.01)
    assert ours.n_iter_ == ref.n_iter_  # the same path: every step's bits the same
    for theirs, mine in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_,
                            strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("binary", [False, True])
def test_lbfgs_on_float32_classes_follows_sklearns_path(digits, binary):
    """scikit-learn's indicators are booleans: with float32 data, ``xlogy`` of them
    (and of ``1 - y``, int64) runs in float64, and so does its loss (before: the ten
    classes ended 4 % apart)."""
    X, y = digits
    X, y = X.astype(np.float32), (y > 4 if binary else y)
    params = dict(solver="lbfgs", hidden_layer_sizes=(10,), max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = skl.MLPClassifier(**params).fit(X, y)
        ours = nls.MLPClassifier(**params).fit(X, y)
    assert ours.loss_ == ref.loss_ and ours.n_iter_ == ref.n_iter_
    for theirs, mine in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_,
                            strict=True):
        np.testing.assert_array_equal(mine, theirs)
