"""nonlin.sklearn next to scikit-learn itself: the same calls give the same results.

Each test runs scikit-learn's estimator and nonlin's through the same calls and
compares what a user can observe: weights, fitted attributes, warnings, errors,
dtypes, and the state of the random generators they were given.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

RTOL = 1e-9


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16.0, y[:200]


def assert_same_weights(ref, ours, rtol=RTOL):
    pairs = zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True)
    for a, b in pairs:
        np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-12)


def both(name, **params):
    """scikit-learn's and nonlin's estimator ``name`` with the same parameters."""
    return getattr(skl, name)(**params), getattr(nls, name)(**params)


def quietly(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call(*args, **kwargs)


# -- random_state: scikit-learn's check_random_state semantics -------------------------------
def test_random_state_none_uses_the_global_numpy_stream(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(7,), max_iter=3, early_stopping=True, batch_size=40)
    fitted, states = [], []
    for est in both("MLPClassifier", **params):
        np.random.seed(0)
        fitted.append(quietly(est.fit, X, y))
        states.append(np.random.get_state()[1].copy())
    ref, ours = fitted
    assert_same_weights(ref, ours)
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    np.testing.assert_array_equal(states[1], states[0])  # the global stream advanced alike


def test_random_state_instance_is_advanced_in_place(digits):
    X, y = digits
    runs = []
    for module in (skl, nls):
        rng = np.random.RandomState(5)
        est = module.MLPClassifier((6,), max_iter=2, random_state=rng, batch_size=50)
        first = quietly(est.fit, X, y).coefs_[0].copy()
        second = quietly(est.fit, X, y).coefs_[0].copy()
        runs.append((first, second, rng.randint(1 << 30)))
    (ref1, ref2, ref_next), (ours1, ours2, ours_next) = runs
    assert not np.array_equal(ref1, ref2)  # scikit-learn: the second fit draws new weights
    np.testing.assert_allclose(ours1, ref1, rtol=RTOL)
    np.testing.assert_allclose(ours2, ref2, rtol=RTOL)
    assert ours_next == ref_next


@pytest.mark.parametrize("seed", ["none", "instance"])
def test_partial_fit_continues_the_given_stream(digits, seed):
    X, y = digits
    fitted = []
    for module in (skl, nls):
        np.random.seed(1)
        state = None if seed == "none" else np.random.RandomState(2)
        est = module.MLPClassifier((6,), solver="sgd", random_state=state, batch_size=30)
        for start in (0, 100, 0):
            est.partial_fit(X[start:start + 100], y[start:start + 100], classes=np.arange(10))
        fitted.append(est)
    assert_same_weights(*fitted)
    np.testing.assert_allclose(fitted[1].loss_curve_, fitted[0].loss_curve_, rtol=RTOL)


# -- warm_start with early_stopping ---------------------------------------------------------
@pytest.mark.parametrize("lr", [1e-3, 3e-2])
def test_warm_start_early_stopping_fits_continue_like_sklearn(digits, lr):
    """scikit-learn's best weights are its coefs_ after an early-stopping fit: a later
    warm-start fit that never beats the best score keeps its own training."""
    X, y = digits
    ref, ours = both("MLPClassifier", hidden_layer_sizes=(10,), random_state=1, max_iter=6,
                     warm_start=True, early_stopping=True, learning_rate_init=lr)
    for _ in range(3):
        quietly(ref.fit, X, y)
        quietly(ours.fit, X, y)
        assert_same_weights(ref, ours)
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
        np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
        assert ours.best_validation_score_ == ref.best_validation_score_


# -- diverging training -----------------------------------------------------------------------
@pytest.mark.parametrize("early_stopping", [False, True])
def test_diverging_fit_runs_to_max_iter_like_sklearn(early_stopping):
    """inf then NaN losses: scikit-learn trains on to max_iter, warns, and then raises
    (without early stopping) or restores the best finite weights (with it)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5)) * 100
    y = X @ rng.normal(size=5) * 1000
    outcomes = []
    for est in both("MLPRegressor", hidden_layer_sizes=(10,), solver="sgd", max_iter=15,
                    learning_rate_init=0.5, random_state=0, early_stopping=early_stopping):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                est.fit(X, y)
                error = None
            except ValueError as exc:
                error = str(exc)
        kinds = [w.category for w in caught if w.category is not RuntimeWarning]
        outcomes.append((est, error, kinds))
    (ref, ref_error, ref_kinds), (ours, our_error, our_kinds) = outcomes
    assert our_error == ref_error and (ref_error is None) == early_stopping
    assert our_kinds == ref_kinds == [ConvergenceWarning]
    assert ours.n_iter_ == ref.n_iter_ == len(ours.loss_curve_) == 15
    assert np.isinf(ref.loss_curve_).any() and np.isnan(ref.loss_curve_[-1])
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_, rtol=1e-9)
        assert_same_weights(ref, ours)


# -- save / load: training continues as after a pickle round trip ----------------------------
@pytest.mark.parametrize("params", [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=1, momentum=0.8),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1),
])
def test_load_then_training_continues_like_a_pickled_copy(digits, tmp_path, params):
    import pickle

    X, y = digits
    ref, ours = both("MLPClassifier", hidden_layer_sizes=5, random_state=0, max_iter=8,
                     batch_size=50, **params)
    quietly(ref.fit, X, y)
    quietly(ours.fit, X, y)
    ours.save(tmp_path / "est.safetensors")
    ref = pickle.loads(pickle.dumps(ref))
    pickled, loaded = pickle.loads(pickle.dumps(ours)), nls.load(tmp_path / "est.safetensors")
    assert loaded.get_params() == ours.get_params()
    for est in (ref, pickled, loaded):
        est.set_params(tol=10.0)  # no epoch improves: the no-improvement count goes on
        est.partial_fit(X, y)
        est.set_params(warm_start=True, max_iter=3)
        quietly(est.fit, X, y)
    for est in (pickled, loaded):
        assert_same_weights(ref, est)
        assert est._no_improvement_count == ref._no_improvement_count
        assert est.loss_curve_ == pytest.approx(ref.loss_curve_, rel=RTOL)
    for a, b in zip(pickled.coefs_ + pickled.intercepts_, loaded.coefs_ + loaded.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(b, a)  # the same bits as the pickled copy
    assert loaded._optimizer.lr == pickled._optimizer.lr
    assert loaded.loss_curve_ == pickled.loss_curve_


@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=5), dict(hidden_layer_sizes=[6, 3]), dict(hidden_layer_sizes=(4,)),
    dict(dtype=np.float32), dict(dtype="float64", n_iter_no_change=np.inf, verbose=False),
])
def test_load_gives_back_the_same_params(digits, tmp_path, params):
    X, y = digits
    est = quietly(nls.MLPClassifier(max_iter=2, random_state=0, **params).fit, X, y)
    est.save(tmp_path / "est.safetensors")
    assert nls.load(tmp_path / "est.safetensors").get_params() == est.get_params()


@pytest.mark.parametrize("change", [
    lambda record, tensors: record.update(class_name="Evil"),
    lambda record, tensors: record["config"].update(lr=-1.0),
    lambda record, tensors: tensors.update({"optimizer.m.0": tensors["optimizer.m.0"][:-1]}),
    lambda record, tensors: record.update(steps=-2),
])
def test_load_refuses_a_bad_optimizer_record(digits, tmp_path, change):
    import json

    import safetensors.numpy

    from nonlin.io import ModelFileError

    X, y = digits
    est = quietly(nls.MLPClassifier((5,), max_iter=2, random_state=0).fit, X, y)
    path = tmp_path / "est.safetensors"
    est.save(path)
    with open(path, "rb") as handle:
        data = handle.read()
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    tensors = safetensors.numpy.load(data)
    record = json.loads(header["optimizer"])
    change(record, tensors)
    header["optimizer"] = json.dumps(record)
    safetensors.numpy.save_file(tensors, path, metadata=header)
    with pytest.raises(ModelFileError, match="optimizer"):
        nls.load(path)


# -- dtypes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["float64", "int64", "uint8", "float32", "list"])
def test_float32_fit_predicts_in_the_dtype_sklearn_does(digits, kind):
    """float32 weights times float64 or int64 X: scikit-learn computes (and returns) float64."""
    X, y = digits
    X32 = X.astype(np.float32)
    ref, ours = both("MLPClassifier", hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    quietly(ref.fit, X32, y)
    quietly(ours.fit, X32, y)
    ours.coefs_ = [w.copy() for w in ref.coefs_]  # the same float32 weights in both
    ours.intercepts_ = [b.copy() for b in ref.intercepts_]
    X_new = (X * 16).astype(kind) if kind not in ("float64", "list") else X
    X_new = X_new.tolist() if kind == "list" else X_new
    for method in ("predict_proba", "predict_log_proba", "predict"):
        expected, got = getattr(ref, method)(X_new), getattr(ours, method)(X_new)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_lbfgs_on_float32_data_ends_with_float64_weights_like_sklearn(digits, name):
    """SciPy evaluates the objective in float32 (the dtype of the starting point) and
    returns float64 parameters, which scikit-learn keeps as coefs_."""
    X, y = digits
    X32 = X.astype(np.float32)
    ref, ours = both(name, solver="lbfgs", hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    quietly(ref.fit, X32, y)
    quietly(ours.fit, X32, y)
    for a, b in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True):
        assert b.dtype == a.dtype == np.float64
        np.testing.assert_allclose(b, a, atol=1e-5 * np.abs(a).max())  # float32 roundings
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-6)
    method = "predict_proba" if name == "MLPClassifier" else "predict"
    assert getattr(ours, method)(X32).dtype == getattr(ref, method)(X32).dtype == np.float64
    quietly(ours.set_params(warm_start=True).fit, X32, y)  # and trains on in float64
    assert ours.coefs_[0].dtype == np.float64


# -- messages -----------------------------------------------------------------------------------
@pytest.mark.parametrize("limits", [dict(max_fun=3), dict(max_iter=2)])
def test_lbfgs_convergence_warning_has_sklearns_text(digits, limits):
    X, y = digits
    texts = []
    for est in both("MLPClassifier", hidden_layer_sizes=(5,), solver="lbfgs", random_state=0,
                    **limits):
        with pytest.warns(ConvergenceWarning) as caught:
            est.fit(X, y)
        texts.append([str(w.message) for w in caught if w.category is ConvergenceWarning])
    assert texts[1] == texts[0]


def test_validation_fraction_zero_raises_sklearns_error(digits):
    X, y = digits
    errors = []
    for est in both("MLPClassifier", hidden_layer_sizes=(5,), max_iter=3, early_stopping=True,
                    validation_fraction=0.0):
        with pytest.raises(ValueError) as info:
            est.fit(X, y)
        errors.append((type(info.value), str(info.value)))
    assert errors[1] == errors[0]
    assert "test_size=0.0" in errors[0][1]


def test_load_leaves_the_global_stream_alone(digits, tmp_path):
    X, y = digits
    est = quietly(nls.MLPClassifier((5,), dropout=0.1, max_iter=2).fit, X, y)
    est.save(tmp_path / "est.safetensors")
    np.random.seed(3)
    nls.load(tmp_path / "est.safetensors")
    assert np.random.randint(1 << 30) == np.random.RandomState(3).randint(1 << 30)
