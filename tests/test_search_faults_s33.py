"""Hyperparameter searches over the scikit-learn estimators (session 33): the errors a search
space can produce name the parameter and the value the search set."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import FitFailedWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402

from nonlin.losses import Huber  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3))
    return X, (X[:, 0] > 0).astype(int), X @ np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize("sizes", [(4.0,), (np.float64(8.0),), (4, 2.5), (True,)])
def test_hidden_layer_sizes_of_floats_name_the_parameter(data, sizes):
    """scikit-learn's fails in its initializer ("'float' object cannot be interpreted as an
    integer"); a search drawing widths from a float space gets the parameter named."""
    X, y, _ = data
    est = MLPClassifier(hidden_layer_sizes=sizes, max_iter=2, random_state=0)
    with pytest.raises(TypeError, match=r"hidden_layer_sizes of whole numbers.*Received "
                                        r"hidden_layer_sizes="):
        est.fit(X, y)
    assert not hasattr(est, "coefs_") and not hasattr(est, "model_")


def test_a_search_over_float_widths_warns_naming_hidden_layer_sizes(data):
    X, y, _ = data
    space = {"hidden_layer_sizes": [(int(n),) for n in (3, 4)] + [(np.float64(5.0),)]}
    search = RandomizedSearchCV(MLPClassifier(max_iter=2, random_state=0), space, n_iter=3,
                                cv=2, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    failed = [str(w.message) for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failed) == 1 and "Received hidden_layer_sizes=(np.float64(5.0),)" in failed[0]
    assert np.isnan(search.cv_results_["mean_test_score"]).sum() == 1
    # integer widths, NumPy's included, still train
    fitted = MLPClassifier(hidden_layer_sizes=np.array([3, 2]), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [w.shape for w in fitted.fit(X, y).coefs_] == [(3, 3), (3, 2), (2, 1)]


def test_a_nested_name_beside_its_parameter_names_the_value_being_set(data):
    """{"loss": [Huber()], "loss__delta": [...]}: the refusal names the Huber the same
    set_params call sets, not the default "squared_error" it replaces."""
    X, _, target = data
    search = GridSearchCV(MLPRegressor(max_iter=2, random_state=0),
                          {"loss": [Huber()], "loss__delta": [1.0, 2.0]}, cv=2,
                          error_score="raise")
    with pytest.raises(ValueError, match=r"loss=Huber\(delta=1\.0.*is no estimator") as info:
        search.fit(X, target)
    assert "squared_error" not in str(info.value)
    est = MLPRegressor(loss=Huber())
    with pytest.raises(ValueError, match=r"loss='squared_error' is no estimator"):
        est.set_params(loss="squared_error", loss__delta=2.0)
    assert isinstance(est.loss, Huber)  # refused before anything is set


def test_a_val_monitor_without_early_stopping_hints_at_the_estimators_parameter(data):
    """The callback's warning named Sequential.fit's validation_split and validation_data
    (no parameters of the estimator) and monitor='score' (no key its logs hold)."""
    from nonlin import EarlyStopping

    X, y, _ = data
    search = GridSearchCV(
        MLPClassifier(max_iter=3, random_state=0, validation_fraction=0.25,
                      callbacks=[EarlyStopping(monitor="val_score", patience=1)]),
        {"early_stopping": [False, True]}, cv=2, refit=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    missing = [str(w.message) for w in caught if "not available" in str(w.message)]
    assert missing and all("Available metrics are: loss,lr" in m for m in missing)
    hinted = [m for m in missing if "has no validation data" in m]
    assert len(hinted) == 2  # once per callback: each fold's fit trains its own copy
    assert all("early_stopping=True" in m and "monitor='loss'" in m for m in hinted)
    assert not any("validation_split" in m or "monitor='score'" in m for m in missing)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
