"""Review of session 29's corners (a refused refit leaves the estimator as fitted; a
``ReduceLROnPlateau`` beside ``invscaling`` refused before anything changes).

- A first ``partial_fit`` refused before its data were checked (a callback the estimator
  refuses, ``ReduceLROnPlateau`` beside ``invscaling`` among them, one ``copy.deepcopy``
  cannot copy, a ``y`` ``type_of_target`` refuses, a Ctrl-C there) kept ``classes`` and the
  label binarizer: the next ``partial_fit`` with other classes was refused. The attributes
  were put back only for a refusal of the data.
- ``partial_fit`` with ``early_stopping=True`` was refused once a new network was drawn: a
  first call left the estimator fitted-looking, its ``classes`` kept (as scikit-learn).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

import nonlin  # noqa: E402
from nonlin import _sklearn_callbacks  # noqa: E402
from nonlin.sklearn import MLPClassifier  # noqa: E402

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
