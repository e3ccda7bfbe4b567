"""``MLPRegressor(loss=<a user's Loss>)`` whose ``_sample_losses`` does not give one loss
per sample: a ``ValueError`` naming the shapes, not a fit on the wrong sum (or an
AttributeError from a float)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nonlin import losses

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


class _Few(losses.MeanSquaredError):
    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.zeros(3)


class _Wide(losses.MeanSquaredError):
    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.zeros((len(y_true), 2))


class _Scalar(losses.MeanSquaredError):
    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:  # type: ignore[override]
        return 1.0


class _FewClasses(losses.CrossEntropy):
    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.zeros(1)


X = np.random.default_rng(0).normal(size=(20, 3))


@pytest.mark.parametrize("loss", [_Few(), _Wide(), _Scalar()])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_user_loss_of_the_wrong_shape_is_refused(loss, solver) -> None:
    model = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, solver=solver, loss=loss)
    with pytest.raises(ValueError, match=r"to return one loss per sample, shape \(20,\)"):
        model.fit(X, X.sum(axis=1))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_classifier_s_user_loss_of_the_wrong_shape_is_refused(n_classes) -> None:
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, loss=_FewClasses())
    with pytest.raises(ValueError, match=r"_FewClasses._sample_losses to return one loss"):
        model.fit(X, np.arange(20) % n_classes)


def test_nonlin_s_own_losses_fit_as_before() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        for loss in (losses.Huber(), losses.LogCosh()):
            MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, loss=loss).fit(X, X.sum(axis=1))
