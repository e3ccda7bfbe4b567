"""A first fit's one-hot targets without ``LabelBinarizer.transform`` (session 25).

``MLPClassifier._validate_full`` fits the binarizer, then makes the one-hot matrix with
``_sklearn_fast.plain_labels`` (one ``searchsorted``) where ``y`` is a 1-D NumPy array of
the fitted classes: ``transform`` re-checked the labels it was fitted on (~1.7 ms of a
~170 ms load_digits fit). Anything else still goes through ``transform``. Each test
compares a fit against one with the fast one-hot switched off, bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.preprocessing import LabelBinarizer  # noqa: E402

import nonlin.sklearn  # noqa: E402
from nonlin.sklearn import MLPClassifier  # noqa: E402

RNG = np.random.default_rng(25)
X = RNG.random((60, 4))
LABELS = {
    "multiclass": RNG.integers(0, 4, 60),
    "binary": RNG.integers(0, 2, 60),
    "strings": np.array(["cat", "dog", "emu"])[RNG.integers(0, 3, 60)],
    "floats": RNG.integers(0, 3, 60).astype(float) * 2.0,
    "gapped": np.array([-7, 3, 40])[RNG.integers(0, 3, 60)],
    "uint8": RNG.integers(0, 3, 60).astype(np.uint8),
}


def _fitted(y: object, **kw: object) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0, **kw).fit(X, y)
        if kw.get("warm_start"):
            est.fit(X, y)
    curve = getattr(est, "loss_curve_", [est.loss_])  # L-BFGS keeps no curve
    return [*est.coefs_, *est.intercepts_, np.array(curve), est.classes_]


def _same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.dtype == v.dtype and u.shape == v.shape
        assert u.tobytes() == v.tobytes()


def _counting(monkeypatch: pytest.MonkeyPatch) -> list:
    calls: list = []
    original = LabelBinarizer.transform

    def transform(self: LabelBinarizer, y: object) -> object:
        calls.append(1)
        return original(self, y)

    monkeypatch.setattr(LabelBinarizer, "transform", transform)
    return calls


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_a_first_fit_of_plain_labels_skips_transform(monkeypatch: pytest.MonkeyPatch,
                                                     kind: str) -> None:
    calls = _counting(monkeypatch)
    _fitted(LABELS[kind])
    assert calls == []


@pytest.mark.parametrize("kind", sorted(LABELS))
@pytest.mark.parametrize("kw", [{}, {"warm_start": True}, {"dtype": "float32"},
                                {"solver": "lbfgs"}, {"early_stopping": True}])
def test_same_bits_as_transform(monkeypatch: pytest.MonkeyPatch, kind: str, kw: dict) -> None:
    fast = _fitted(LABELS[kind], **kw)
    monkeypatch.setattr(nonlin.sklearn, "plain_labels", lambda est, X, y: None)
    _same(fast, _fitted(LABELS[kind], **kw))


@pytest.mark.parametrize(("y", "transformed"), [
    (list(LABELS["multiclass"]), False),  # an array once validated
    (LABELS["multiclass"].reshape(-1, 1), False),  # 1-D once warned of (column_or_1d)
    (LABELS["strings"].astype(object), True),
    (np.eye(3, dtype=int)[LABELS["multiclass"] % 3], True),  # multilabel
])
def test_other_labels(monkeypatch: pytest.MonkeyPatch, y: object, transformed: bool) -> None:
    """A list and a column vector are plain once validated; object labels and a multilabel
    matrix still go through transform. The same bits either way."""
    calls = _counting(monkeypatch)
    fast = _fitted(y)
    assert bool(calls) == transformed
    monkeypatch.setattr(nonlin.sklearn, "plain_labels", lambda est, X, y: None)
    _same(fast, _fitted(y))
