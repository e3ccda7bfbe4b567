"""Review of s21-left21's check of loss settings: ``nonlin.sklearn``'s estimators, which train
a nonlin ``Loss`` given as ``loss=``, refuse one whose attributes were set since its
construction as ``Sequential.fit`` does (``fit`` and ``partial_fit``, before anything trains),
where they trained with a negative Huber ``delta`` or a ``label_smoothing`` of 3; not the
``reduction`` and ``from_logits`` that the estimator sets on its own copy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nonlin import Huber  # noqa: E402
from nonlin.losses_extra import CategoricalFocalCrossentropy  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

X = np.random.default_rng(0).normal(size=(30, 3))
Y_REAL = X @ np.array([1.0, -2.0, 0.5])
Y_LABELS = np.arange(30) % 3


def _set(loss, name, value):
    setattr(loss, name, value)
    return loss


CASES = [
    (MLPRegressor, Y_REAL, lambda: _set(Huber(), "delta", -1.0), "delta=-1.0"),
    (MLPClassifier, Y_LABELS, lambda: _set(CategoricalFocalCrossentropy(), "label_smoothing",
                                           3.0), "label_smoothing=3.0"),
    (MLPClassifier, Y_LABELS, lambda: _set(CategoricalFocalCrossentropy(), "gamma",
                                           float("nan")), "gamma=nan"),
]


@pytest.mark.parametrize("make, y, loss, received", CASES)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_loss_set_out_of_range_after_construction_is_refused(make, y, loss, received,
                                                               method) -> None:
    est = make(hidden_layer_sizes=(4,), max_iter=2, random_state=0, loss=loss())
    args = (X, y, np.arange(3)) if method == "partial_fit" and make is MLPClassifier else (X, y)
    with pytest.raises(ValueError, match=rf"Expected .*Received: {received}"):
        getattr(est, method)(*args)
    assert not hasattr(est, "coefs_")  # nothing trained


def test_reduction_and_from_logits_which_the_estimator_sets_itself_are_not_checked() -> None:
    # the fit trains a copy summing over the batch (and, classifying, from the raw outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        for make, y, loss in [
                (MLPRegressor, Y_REAL, _set(Huber(), "reduction", None)),
                (MLPClassifier, Y_LABELS, _set(CategoricalFocalCrossentropy(), "from_logits", 0))]:
            make(hidden_layer_sizes=(4,), max_iter=2, random_state=0, loss=loss).fit(X, y)


def test_a_loss_within_range_still_trains() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        given = _set(Huber(), "delta", 2)  # an int: as the constructor takes it
        est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0, loss=given)
        est.fit(X, Y_REAL)
    assert given.delta == 2 and type(given.delta) is int and est.n_iter_ == 2
