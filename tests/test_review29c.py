"""Review of session 29's corners (a refused refit leaves the estimator as fitted; a
``ReduceLROnPlateau`` beside ``invscaling`` refused before anything changes).

- A first ``partial_fit`` refused before its data were checked (a callback the estimator
  refuses, ``ReduceLROnPlateau`` beside ``invscaling`` among them, one ``copy.deepcopy``
  cannot copy, a ``y`` ``type_of_target`` refuses, a Ctrl-C there) kept ``classes`` and the
  label binarizer: the next ``partial_fit`` with other classes was refused. The attributes
  were put back only for a refusal of the data.
- ``partial_fit`` with ``early_stopping=True`` was refused once a new network was drawn: a
  first call left the estimator fitted-looking, its ``classes`` kept (as scikit-learn).
- Early stopping's split refused (one ``train_test_split`` refuses, one too small) came
  once a new network was drawn: a refit's network was lost, an unfitted estimator became
  fitted-looking, and a ``RandomState`` given as ``random_state`` had been drawn from
  (scikit-learn 1.9.1 does all of that too; docs/sklearn.md says a refusal changes nothing
  it could check first).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

import nonlin  # noqa: E402
from nonlin import _sklearn_callbacks  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

X = np.random.default_rng(0).normal(size=(20, 3))
Y01 = np.arange(20) % 2


def _plateau() -> nonlin.ReduceLROnPlateau:
    return nonlin.ReduceLROnPlateau(monitor="loss", patience=0)


class _Locked(nonlin.callbacks.Callback):
    """A callback ``copy.deepcopy`` cannot copy (it holds a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


def _interrupted(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("case", ["plateau", "uncopyable", "y", "ctrl-c"])
def test_a_first_partial_fit_refused_before_its_data_keeps_no_classes(
        case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    params: dict[str, Any] = {"solver": "sgd", "random_state": 0}
    y: Any = Y01
    if case == "plateau":
        params.update(learning_rate="invscaling", callbacks=[_plateau()])
    elif case == "uncopyable":
        params.update(callbacks=[_Locked()])
    elif case == "y":
        y = "ab"  # type_of_target refuses a string
    est = MLPClassifier((4,), **params)
    before = dict(vars(est))
    if case == "ctrl-c":
        monkeypatch.setattr(_sklearn_callbacks, "check_callbacks", _interrupted)
    with pytest.raises((TypeError, ValueError, KeyboardInterrupt)):
        est.partial_fit(X, y, classes=[0, 1])
    monkeypatch.undo()
    assert vars(est) == before  # no classes_, no _label_binarizer
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    est.set_params(callbacks=None).partial_fit(X, Y01 + 1, classes=[1, 2])  # other classes
    assert est.classes_.tolist() == [1, 2]


def test_a_first_partial_fit_with_early_stopping_is_refused_before_anything_changes() -> None:
    est = MLPClassifier((4,), solver="sgd", early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        est.partial_fit(X, Y01, classes=[0, 1])
    assert "classes_" not in vars(est) and "coefs_" not in vars(est)
    est.set_params(early_stopping=False).partial_fit(X, Y01 + 1, classes=[1, 2])
    assert est.classes_.tolist() == [1, 2]


def _fitted(**params: Any) -> MLPClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged
        return MLPClassifier((4,), max_iter=3, random_state=0, **params).fit(X, Y01)


def _bits(est: Any) -> list[bytes]:
    return [a.tobytes() for a in est.coefs_ + est.intercepts_]


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_a_first_fit_whose_split_is_refused_stays_unfitted(Estimator: Any) -> None:
    """One validation row of 20 (``validation_fraction=0.05``): refused."""
    est = Estimator(hidden_layer_sizes=(4,), early_stopping=True, validation_fraction=0.05,
                    random_state=0)
    before = dict(vars(est))
    said = "test_size = 1" if Estimator is MLPClassifier else "validation set is too small"
    with pytest.raises(ValueError, match=said):  # stratified (binary) / not
        est.fit(X, Y01)
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


@pytest.mark.parametrize("warm_start", [False, True])
def test_a_refit_whose_split_is_refused_keeps_the_fitted_network(warm_start: bool) -> None:
    """A binary class of one row: the stratified split refuses it (a warm start, which
    draws no new network, kept it already)."""
    est = _fitted(early_stopping=True, warm_start=warm_start)
    kept = (_bits(est), est.n_iter_, est.t_, list(est.loss_curve_), est.predict(X).tolist())
    y = np.zeros(20, dtype=int)
    y[0] = 1
    with pytest.raises(ValueError, match="least populated"):
        est.fit(X, y)
    assert (_bits(est), est.n_iter_, est.t_, list(est.loss_curve_),
            est.predict(X).tolist()) == kept


def test_a_refused_split_draws_nothing_from_a_given_random_state() -> None:
    """A ``RandomState`` given as ``random_state`` is drawn from in place: a refused fit
    took the initial weights' draws, so the next fit started from other weights."""
    def fit(refused_first: bool) -> list[bytes]:
        est = MLPClassifier((4,), max_iter=2, early_stopping=True,
                            random_state=np.random.RandomState(0))
        if refused_first:
            with pytest.raises(ValueError):
                est.set_params(validation_fraction=0.05).fit(X, Y01)
            est.set_params(validation_fraction=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _bits(est.fit(X, Y01))

    assert fit(refused_first=True) == fit(refused_first=False)


def test_lbfgs_warnings_point_at_the_callers_fit() -> None:
    """Both of ``check_extras``' warnings (a schedule, callbacks: not used by L-BFGS) name
    the user's line, however deep in the fit they are raised."""
    from nonlin.schedules import ExponentialDecay

    est = MLPClassifier((4,), solver="lbfgs", max_iter=5, random_state=0,
                        learning_rate=ExponentialDecay(0.1, 10, 0.5), callbacks=[_plateau()])
    with pytest.warns(UserWarning) as caught:
        est.fit(X, Y01)
    said = [w for w in caught if "solver='lbfgs'" in str(w.message)]
    assert len(said) == 2 and all(w.filename == __file__ for w in said)
