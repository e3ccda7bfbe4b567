"""review22a: the estimators' warning of a column-vector ``y`` (scikit-learn's
``DataConversionWarning``) is issued as scikit-learn's MLP issues it: in the name of its
module, so the ``module="sklearn"`` filters that silence scikit-learn's silence nonlin's
(docs/sklearn.md says they do), and at the user's ``fit`` line, not nonlin's."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning  # noqa: E402

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 3))
COLUMN = (X[:, :1] > 0).astype(float)  # shape (30, 1)


def _caught(est, *, module_filter: bool) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        if module_filter:
            warnings.filterwarnings("ignore", category=DataConversionWarning, module="sklearn")
        est.fit(X, COLUMN)
    return caught


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_a_module_filter_silences_the_column_vector_warning(name: str) -> None:
    ours = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}[name]
    for cls in (ours, getattr(skl, name)):
        assert _caught(cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
                       module_filter=True) == []


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_the_column_vector_warning_points_at_the_users_fit(cls) -> None:
    caught = _caught(cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
                     module_filter=False)
    assert [w.category for w in caught] == [DataConversionWarning]
    assert caught[0].filename == __file__
    assert str(caught[0].message).startswith("A column-vector y was passed")
