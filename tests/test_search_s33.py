"""Guards: nonlin.sklearn's estimators in scikit-learn's searches behave as scikit-learn's MLP.

Session 33's search review found no fault here; these pin what it checked (halving on
``max_iter``, random search over scipy distributions, a threaded search, a shared
``RandomState``, a diverging configuration under ``error_score``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

import joblib  # noqa: E402
from scipy.stats import loguniform, randint  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier as SkMLP  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

X, Y = make_classification(60, 4, random_state=0)


def _quiet(search, x=X, y=Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return search.fit(x, y)


def test_halving_on_max_iter_and_random_search_match_scikit_learn() -> None:
    """Same cv_results_ and best_params_ as scikit-learn's MLP in the same searches."""
    found = []
    for cls in (MLPClassifier, SkMLP):
        halving = _quiet(HalvingGridSearchCV(
            cls(random_state=0), {"alpha": [1e-4, 1e-2], "activation": ["relu", "tanh"]},
            resource="max_iter", max_resources=12, min_resources=3, cv=2, factor=2))
        randomized = _quiet(RandomizedSearchCV(
            cls(max_iter=5, random_state=0),
            {"hidden_layer_sizes": randint(2, 6), "learning_rate_init": loguniform(1e-4, 1e-1)},
            n_iter=3, cv=2, random_state=0))
        found.append((halving, randomized))
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                                   theirs.cv_results_["mean_test_score"])
        assert ours.best_params_ == theirs.best_params_


def test_threaded_search_and_shared_random_state_are_deterministic() -> None:
    """n_jobs=2 (threads) gives n_jobs=1's scores bit for bit; a RandomState is drawn as sklearn."""
    grid = {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(3,), (2, 2)]}
    scores = []
    for n_jobs in (1, 2):
        with joblib.parallel_config(backend="threading"):
            search = _quiet(GridSearchCV(MLPClassifier(max_iter=4, random_state=0), grid,
                                         cv=2, n_jobs=n_jobs))
        scores.append(search.cv_results_["mean_test_score"].tobytes())
    assert scores[0] == scores[1]
    left = []
    for cls in (MLPClassifier, SkMLP):
        state = np.random.RandomState(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cross_validate(cls(max_iter=2, random_state=state), X, Y, cv=2)
            cls(max_iter=2, random_state=state).fit(X, Y)
        left.append(state.randint(1 << 30))
    assert left[0] == left[1]


def test_diverging_configuration_fails_as_scikit_learns() -> None:
    """error_score=nan scores it nan with scikit-learn's message; error_score='raise' raises it."""
    y = X[:, 0] * 1e6
    messages = []
    for cls in (MLPRegressor, SkMLPRegressor):
        est = cls(max_iter=5, random_state=0, solver="sgd", learning_rate_init=10.0)
        with pytest.raises(ValueError, match="non-finite parameter weights") as caught:
            _quiet(GridSearchCV(est, {"alpha": [1e-4]}, cv=2, error_score="raise"), X * 1e3, y)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
