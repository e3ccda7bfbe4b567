"""partial_fit's fast input checks (``_sklearn_fast``) against scikit-learn's full path.

Each test runs the same stream twice: as it comes (plain arrays take the fast path) and
with the fast path switched off (``plain_X`` refusing everything, so every batch goes
through ``validate_data`` / ``LabelBinarizer.transform``), and compares bits, errors and
warnings.
"""

from __future__ import annotations

import cProfile
import pstats
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin.sklearn  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

RNG = np.random.default_rng(7)
X = RNG.random((48, 5))
Y3 = RNG.integers(0, 3, 48)
Y2 = RNG.integers(0, 2, 48)


def _full_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nonlin.sklearn, "plain_X", lambda est, X: False)


def _stream(cls: type, X: np.ndarray, y: np.ndarray, classes: list | None, **kw: object) -> list:
    """Weights, loss curve and the label matrix of the last batch after 4 partial_fits."""
    est = cls(hidden_layer_sizes=(4,), random_state=0, **kw)
    first = {"classes": classes} if cls is MLPClassifier else {}
    est.partial_fit(X[:12], y[:12], **first)
    for i in range(1, 4):
        est.partial_fit(X[12 * i:12 * i + 12], y[12 * i:12 * i + 12])
    _, Y = est._validate_input(X[:12], y[:12], incremental=True, reset=False)
    return [*est.coefs_, *est.intercepts_, np.array(est.loss_curve_), Y]


def _same_bits(a: list, b: list) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes()


STREAMS = {
    "multiclass": (MLPClassifier, X, Y3, [0, 1, 2], {}),
    "binary": (MLPClassifier, X, Y2, [0, 1], {}),
    "unseen class": (MLPClassifier, X, Y3, [0, 1, 2, 3], {}),
    "strings": (MLPClassifier, X, np.array(["no", "maybe", "yes"])[Y3], ["maybe", "no", "yes"], {}),
    "bools": (MLPClassifier, X, Y2.astype(bool), [False, True], {}),
    "float labels": (MLPClassifier, X, Y3.astype(float), [0.0, 1.0, 2.0], {}),
    "float32 X": (MLPClassifier, X.astype(np.float32), Y3, [0, 1, 2], {}),
    "dtype float32": (MLPClassifier, X, Y3, [0, 1, 2], {"dtype": "float32"}),
    "sgd": (MLPClassifier, X, Y3, [0, 1, 2], {"solver": "sgd"}),
    "multilabel": (MLPClassifier, X, np.stack([Y2, 1 - Y2, Y2], 1), [0, 1, 2], {}),
    "regressor 1-D": (MLPRegressor, X, X @ np.arange(5.0), None, {}),
    "regressor 2-D": (MLPRegressor, X, X[:, :3], None, {}),
    "regressor ints": (MLPRegressor, X, Y3, None, {}),
    "poisson": (MLPRegressor, X, X[:, 0], None, {"loss": "poisson"}),
}


@pytest.mark.parametrize("name", list(STREAMS))
def test_fast_path_trains_the_bits_of_the_full_path(name: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cls, Xs, ys, classes, kw = STREAMS[name]
    fast = _stream(cls, Xs, ys, classes, **kw)
    _full_only(monkeypatch)
    _same_bits(fast, _stream(cls, Xs, ys, classes, **kw))


@pytest.mark.parametrize("name", ["multiclass", "binary", "strings", "bools", "float labels",
                                  "float32 X", "regressor 1-D", "regressor 2-D"])
def test_plain_arrays_take_the_fast_path(name: str) -> None:
    cls, Xs, ys, classes, kw = STREAMS[name]
    est = cls(hidden_layer_sizes=(4,), random_state=0, **kw)
    est.partial_fit(Xs, ys, **({"classes": classes} if cls is MLPClassifier else {}))
    est._validate_full = None  # would fail if called
    est.partial_fit(Xs, ys)


def _outcome(est: object, X: object, y: object) -> tuple:
    """The error (class, message) or warnings (class, message) of ``est.partial_fit(X, y)``."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            est.partial_fit(X, y)  # type: ignore[attr-defined]
        except Exception as error:  # noqa: BLE001 - compared below, whatever it is
            return type(error), str(error)
    return tuple((type(w.message), str(w.message)) for w in seen)


BAD = {
    "label not in classes": (X, np.where(Y3 == 2, 5, Y3)),
    "string not in classes": (X, np.array(["no", "maybe", "never"])[Y3]),
    "strings for int classes": (X, np.array(["0", "1", "2"])[Y3]),
    "floats for int classes": (X, Y3.astype(float)),
    "non-integral floats": (X, Y3 + 0.5),
    "NaN label": (X, np.where(Y3 == 2, np.nan, Y3)),
    "NaN in X": (np.where(X > 0.9, np.nan, X), Y3),
    "inf in X": (np.where(X > 0.9, np.inf, X), Y3),
    "wrong width": (X[:, :4], Y3),
    "fewer labels": (X, Y3[:-1]),
    "column-vector y": (X, Y3.reshape(-1, 1)),
    "int X": ((X * 10).astype(int), Y3),
    "list X": (X.tolist(), Y3),
    "empty": (X[:0], Y3[:0]),
    "2-D labels": (X, np.stack([Y3, Y3], 1)),
}


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("warm_start", [False, True])
def test_bad_batches_fail_or_warn_as_the_full_path(name: str, warm_start: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    Xb, yb = BAD[name]

    def outcome() -> tuple:
        est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0, warm_start=warm_start)
        est.partial_fit(X, Y3, classes=[0, 1, 2])
        return _outcome(est, Xb, yb)

    fast = outcome()
    _full_only(monkeypatch)
    assert fast == outcome()


def test_warm_start_needs_every_class_as_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> tuple:
        est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0, warm_start=True, max_iter=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, Y3)
        return _outcome(est, X, np.where(Y3 == 2, 1, Y3))

    fast = outcome()
    assert fast[0] is ValueError and "warm_start can only be used" in fast[1]
    _full_only(monkeypatch)
    assert fast == outcome()


@pytest.mark.parametrize("name", ["column-vector y", "NaN in X", "wrong width", "int X"])
def test_regressor_bad_batches_as_the_full_path(name: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    Xb, yb = BAD[name]

    def outcome() -> tuple:
        est = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
        est.partial_fit(X, Y3.astype(float))
        return _outcome(est, Xb, yb.astype(float))

    fast = outcome()
    _full_only(monkeypatch)
    assert fast == outcome()


def test_feature_names_are_still_checked() -> None:
    pd = pytest.importorskip("pandas")
    est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(pd.DataFrame(X, columns=list("abcde")), Y3, classes=[0, 1, 2])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.partial_fit(X, Y3)


def _calls_per_partial_fit(est: object, X: np.ndarray, y: np.ndarray) -> float:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(5):
        est.partial_fit(X, y)  # type: ignore[attr-defined]
    profile.disable()
    return pstats.Stats(profile).total_calls / 5  # type: ignore[attr-defined]


def test_a_plain_partial_fit_costs_few_python_calls() -> None:
    """About 5,100 Python calls per partial_fit before (3,200 in scikit-learn's checks)."""
    est = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    est.partial_fit(X, Y3, classes=[0, 1, 2])
    assert _calls_per_partial_fit(est, X, Y3) < 1500
    reg = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    reg.partial_fit(X, X[:, 0])
    assert _calls_per_partial_fit(reg, X, X[:, 0]) < 1500


def test_classes_set_since_fitting_are_checked_as_the_full_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``est.classes_`` (y is checked against it) apart from the binarizer's (y is mapped
    by it): the fast path steps aside."""
    def outcome() -> tuple:
        est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
        est.partial_fit(X, Y3, classes=[0, 1, 2])
        est.classes_ = np.array([0, 1])
        return _outcome(est, X, Y3)

    fast = outcome()
    assert fast[0] is ValueError and "`y` has classes not in `self.classes_`" in fast[1]
    _full_only(monkeypatch)
    assert fast == outcome()
