"""A warm-start fit of a classifier whose ``classes_`` was deleted fits its labels again,
as scikit-learn's ``_validate_input`` does (``not hasattr(self, "classes_")``), on the
fast input checks too (review 23i): no ``AttributeError``."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nonlin.sklearn import MLPClassifier  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(30, 4)
y = rng.randint(0, 3, 30)


def test_warm_start_fit_after_del_classes() -> None:
    est = MLPClassifier(hidden_layer_sizes=(3,), warm_start=True, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        del est.classes_
        est.fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.t_ == 2 * 2 * len(X)  # continued: two fits of two epochs
    assert len(est.loss_curve_) == 4


def test_warm_start_fit_after_del_classes_with_other_labels() -> None:
    est = MLPClassifier(hidden_layer_sizes=(3,), warm_start=True, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        del est.classes_
        with pytest.raises(ValueError, match="like the fitted coefs_"):
            est.fit(X, y % 2)  # two classes: one output, the fitted network has three
