"""nonlin.sklearn follows scikit-learn's update rules: weights agree to 1e-9 relative.

Each test trains scikit-learn's estimator and nonlin's from the same starting
weights (set on a fitted estimator, then ``warm_start=True``) and compares the
weights and the fitted attributes after a few epochs, in float64.
"""

import inspect
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin._sklearn_dtype import before  # noqa: E402

RTOL = 1e-9
# scikit-learn's MLP takes sample weights (and MLPRegressor a loss) from 1.7 on
WEIGHTS = "sample_weight" in inspect.signature(skl.MLPClassifier.fit).parameters
NEEDS_1_7 = pytest.mark.skipif(not WEIGHTS, reason="scikit-learn < 1.7: MLP has no sample_weight")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:240] / 16.0, y[:240]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(160, 8, n_targets=2, noise=1.0, random_state=0)
    return X, y / 100.0


def max_rel_diff(a, b) -> float:
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    return max(float(np.max(np.abs(p - q)) / np.max(np.abs(p))) for p, q in pairs)


def warm_pair(name, X, y, epochs=3, sample_weight=None, **params):
    """scikit-learn's and nonlin's estimators, the same start, ``epochs`` more epochs."""
    ref = getattr(skl, name)(max_iter=1, shuffle=False, random_state=0, **params)
    ours = getattr(nls, name)(max_iter=1, shuffle=False, random_state=1, **params)
    weighted = {} if sample_weight is None else {"sample_weight": sample_weight}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y)
        ours.fit(X, y)
        ours.coefs_ = [w.copy() for w in ref.coefs_]
        ours.intercepts_ = [b.copy() for b in ref.intercepts_]
        ours.loss_curve_, ours.best_loss_ = list(ref.loss_curve_), ref.best_loss_
        for est in (ref, ours):
            est.set_params(warm_start=True, max_iter=epochs)
            est.fit(X, y, **weighted)
    return ref, ours


def assert_same_training(ref, ours):
    assert max_rel_diff(ref, ours) < RTOL
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=RTOL)


SGD_SETTINGS = [
    dict(momentum=0.0, batch_size=16, alpha=0.0),
    dict(momentum=0.9, nesterovs_momentum=True, batch_size=37, alpha=1e-4),
    dict(momentum=0.5, nesterovs_momentum=False, batch_size=50, alpha=0.3),
    dict(momentum=0.9, learning_rate="invscaling", learning_rate_init=0.5, power_t=0.3),
    dict(momentum=1.0, nesterovs_momentum=False, batch_size=100, learning_rate_init=0.01),
    dict(momentum=0.0, nesterovs_momentum=True, learning_rate="invscaling", batch_size=7),
]


@pytest.mark.parametrize("params", SGD_SETTINGS)
def test_sgd_classifier_matches_sklearn(digits, params):
    ref, ours = warm_pair("MLPClassifier", *digits, solver="sgd", hidden_layer_sizes=(12, 9),
                          learning_rate_init=params.pop("learning_rate_init", 0.1), **params)
    assert_same_training(ref, ours)


@pytest.mark.parametrize(
    "params",
    [dict(), dict(beta_1=0.8, beta_2=0.99, epsilon=1e-6, alpha=0.1, batch_size=33),
     dict(activation="tanh", learning_rate_init=0.01), dict(activation="logistic")],
)
def test_adam_classifier_matches_sklearn(digits, params):
    ref, ours = warm_pair("MLPClassifier", *digits, solver="adam", hidden_layer_sizes=(10,),
                          **params)
    assert_same_training(ref, ours)


def test_binary_classifier_has_one_logistic_output(digits):
    X, y = digits
    ref, ours = warm_pair("MLPClassifier", X, y % 2, solver="sgd", hidden_layer_sizes=(8,),
                          activation="logistic", batch_size=20)
    assert_same_training(ref, ours)
    assert ours.coefs_[-1].shape == (8, 1) and ours.n_outputs_ == 1
    assert ours.out_activation_ == "logistic"
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_regressor_matches_sklearn(regression, solver):
    ref, ours = warm_pair("MLPRegressor", *regression, solver=solver, hidden_layer_sizes=(16,),
                          learning_rate_init=0.01, batch_size=32, alpha=0.01)
    assert_same_training(ref, ours)
    np.testing.assert_allclose(ours.predict(regression[0]), ref.predict(regression[0]), rtol=1e-9)


@NEEDS_1_7
def test_sample_weight_matches_sklearn(digits):
    X, y = digits
    weights = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    ref, ours = warm_pair("MLPClassifier", X, y, sample_weight=weights, solver="sgd",
                          hidden_layer_sizes=(10,), batch_size=30, alpha=0.05)
    assert_same_training(ref, ours)


@pytest.mark.parametrize("task", ["multiclass", "binary-weighted", "strings-weighted"])
def test_same_random_state_same_fit_with_shuffle(digits, task):
    """Same seed: same initial weights, same shuffles, same (stratified) early-stopping split."""
    X, y = digits
    weights = None if task == "multiclass" else np.random.default_rng(1).uniform(0.2, 2, len(y))
    if weights is not None and not WEIGHTS:
        pytest.skip("scikit-learn < 1.7: MLP has no sample_weight")
    if task == "strings-weighted" and before(sklearn.__version__, (1, 9)):
        pytest.skip("scikit-learn 1.7 and 1.8 fail on string labels with early_stopping")
    if task == "binary-weighted":
        y = y % 2
    elif task == "strings-weighted":
        y = np.array(["x", "y", "z"])[y % 3]
    params = dict(hidden_layer_sizes=(11,), max_iter=6, random_state=3, early_stopping=True,
                  validation_fraction=0.2, batch_size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = {} if weights is None else {"sample_weight": weights}
        ref = skl.MLPClassifier(**params).fit(X, y, **weighted)
        ours = nls.MLPClassifier(**params).fit(X, y, **weighted)
    assert max_rel_diff(ref, ours) < RTOL
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.best_validation_score_ == ref.best_validation_score_
    assert ours.best_loss_ is None and ref.best_loss_ is None


def test_tol_and_n_iter_no_change_stop_at_the_same_epoch(digits):
    X, y = digits
    params = dict(solver="sgd", hidden_layer_sizes=(10,), tol=0.05, n_iter_no_change=2,
                  max_iter=50, random_state=0, learning_rate_init=0.2)
    ref = skl.MLPClassifier(**params).fit(X, y)
    ours = nls.MLPClassifier(**params).fit(X, y)
    assert 2 < ours.n_iter_ == ref.n_iter_ < 50
    assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=RTOL)
    assert max_rel_diff(ref, ours) < RTOL


def test_adaptive_rate_is_divided_like_sklearn(digits):
    X, y = digits
    params = dict(solver="sgd", learning_rate="adaptive", hidden_layer_sizes=(10,), tol=0.02,
                  n_iter_no_change=1, max_iter=12, random_state=0, momentum=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = skl.MLPClassifier(**params).fit(X, y)
        ours = nls.MLPClassifier(**params).fit(X, y)
    assert ref._optimizer.learning_rate < 0.001  # the rule fired at least once
    assert ours._optimizer.lr == pytest.approx(ref._optimizer.learning_rate, rel=1e-12)
    assert ours.n_iter_ == ref.n_iter_ and max_rel_diff(ref, ours) < RTOL


def test_convergence_warning_at_max_iter(digits):
    X, y = digits
    for module in (skl, nls):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
            module.MLPClassifier(max_iter=2, random_state=0).fit(X, y)


def test_partial_fit_matches_sklearn(digits):
    X, y = digits
    ests = [m.MLPClassifier(solver="sgd", hidden_layer_sizes=(9,), random_state=0, shuffle=False,
                            batch_size=40) for m in (skl, nls)]
    for est in ests:
        for start in range(0, 240, 80):
            est.partial_fit(X[start:start + 80], y[start:start + 80], classes=np.arange(10))
    ref, ours = ests
    assert max_rel_diff(ref, ours) < RTOL
    assert ours.t_ == ref.t_ == 240 and ours.n_iter_ == ref.n_iter_ == 1
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_lbfgs_reaches_the_same_loss(digits, regression, name):
    X, y = digits if name == "MLPClassifier" else regression
    params = dict(solver="lbfgs", hidden_layer_sizes=(15,), max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = getattr(skl, name)(**params).fit(X, y)
        ours = getattr(nls, name)(**params).fit(X, y)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=0.01)
    assert ours.n_iter_ <= 60 and not hasattr(ours, "loss_curve_")


@pytest.mark.parametrize("nesterov, batch_size, alpha", [(True, 32, 1e-4), (False, 64, 0.0)])
def test_float32_sgd_gives_sklearns_weights_bit_for_bit(nesterov, batch_size, alpha):
    """In float32, with a power-of-two batch (the 1/n scaling is then exact), every
    operation of an SGD step matches scikit-learn's, in the same order: the bias
    gradients, for one, must be summed row after row as NumPy's mean does."""
    X, y = load_digits(return_X_y=True)
    X, y = (X[:256] / 16.0).astype(np.float32), y[:256]
    ref, ours = warm_pair("MLPClassifier", X, y, solver="sgd", hidden_layer_sizes=(12, 9),
                          momentum=0.9, nesterovs_momentum=nesterov, batch_size=batch_size,
                          alpha=alpha, learning_rate_init=0.1)
    assert ours.coefs_[0].dtype == np.float32
    for a, b in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True):
        np.testing.assert_array_equal(b, a)
