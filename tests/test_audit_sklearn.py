"""Corner cases found by a differential audit against scikit-learn's own MLP estimators.

Each test runs ``sklearn.neural_network``'s estimator and nonlin's through the same
calls and checks that a script swapping the import sees the same outcome.
"""

import inspect
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

# scikit-learn's MLP takes sample weights (and MLPRegressor a loss) from 1.7 on
WEIGHTS = "sample_weight" in inspect.signature(skl.MLPClassifier.fit).parameters
NEEDS_1_7 = pytest.mark.skipif(not WEIGHTS, reason="scikit-learn < 1.7: MLP has no sample_weight")

RTOL = 1e-9


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:150] / 16.0, y[:150]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 6, n_targets=2, noise=1.0, random_state=0)
    return X, y / 100.0


def both(name, **params):
    """scikit-learn's and nonlin's estimator ``name`` with the same parameters."""
    return getattr(skl, name)(**params), getattr(nls, name)(**params)


def fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def assert_same_weights(ref, ours):
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    pairs = zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True)
    for a, b in pairs:
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=1e-12)


# -- sample weights: scikit-learn takes negative ones ----------------------------------------
@NEEDS_1_7
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_negative_sample_weights_train_as_in_sklearn(digits, regression, solver, early_stopping):
    for name, (X, y) in (("MLPClassifier", digits), ("MLPRegressor", regression)):
        weights = np.where(np.arange(len(X)) % 3 == 0, -0.5, 1.0)
        ref, ours = both(name, hidden_layer_sizes=(5,), solver=solver, max_iter=4,
                         random_state=0, early_stopping=early_stopping)
        for est in (ref, ours):
            fit_quietly(est, X, y, sample_weight=weights)
        assert_same_weights(ref, ours)
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)


# -- prediction input: an empty X is refused ------------------------------------------------
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "regressor"])
def test_predicting_no_rows_raises_sklearns_value_error(digits, regression, method):
    name, (X, y) = ("MLPRegressor", regression) if method == "regressor" else (
        "MLPClassifier", digits)
    messages = []
    for est in both(name, hidden_layer_sizes=(4,), max_iter=2, random_state=0):
        fit_quietly(est, X, y)
        with pytest.raises(ValueError, match="0 sample") as caught:
            getattr(est, "predict" if method == "regressor" else method)(X[:0])
        messages.append(str(caught.value))
    assert messages[1] == messages[0]


# -- regression targets: text is not a number ------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("kind", ["U", "S"])
def test_regressor_refuses_text_targets_with_a_type_error(regression, solver, kind):
    X, y = regression
    text = y[:, 0].astype(kind)  # "0.0123..." strings: scikit-learn does not parse them
    for est in both("MLPRegressor", hidden_layer_sizes=(4,), solver=solver, max_iter=2,
                    random_state=0):
        with pytest.raises(TypeError):
            fit_quietly(est, X, text)


# -- hyperparameters: scikit-learn's validation takes a bool where a number is expected ------
@pytest.mark.parametrize("params", [
    dict(solver="sgd", max_iter=True),
    dict(solver="sgd", learning_rate_init=True, momentum=False, max_iter=3),
    dict(solver="adam", learning_rate_init=True, beta_1=False, beta_2=False, epsilon=True,
         max_iter=3),
])
def test_bool_valued_numbers_train_as_in_sklearn(digits, params):
    X, y = digits
    ref, ours = both("MLPClassifier", hidden_layer_sizes=(5,), random_state=0, **params)
    caught = []
    for est in (ref, ours):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always", ConvergenceWarning)
            est.fit(X, y)
        caught.append([str(w.message) for w in record if w.category is ConvergenceWarning])
    assert_same_weights(ref, ours)
    assert caught[1] == caught[0] != []
