"""``predict`` without ``batch_size`` goes through bounded chunks of near-equal size.

A one-pass predict of a million rows allocated every activation for all of them
(hundreds of megabytes for a 64-wide layer) and ran 6x slower here than chunks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import _inference


class RowRecorder(nonlin.Identity):
    """Identity that records the number of rows of each inference batch."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[int] = []

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self.rows.append(x.shape[0])
        return super().forward(x, training=training)


def _model(width: int) -> tuple[nonlin.Sequential, RowRecorder]:
    recorder = RowRecorder()
    model = nonlin.Sequential([nonlin.Dense(width), nonlin.Tanh(), recorder, nonlin.Dense(2)])
    return model.build(3, seed=0), recorder


@pytest.mark.parametrize("width", [64, 512])
def test_default_chunks_are_bounded_and_balanced(width: int) -> None:
    model, recorder = _model(width)
    most = _inference.default_rows(model)
    assert most == max(256, (1 << 20) // width)
    n = 2 * most + 1  # three chunks; a fixed size would leave a last chunk of one row
    X = np.random.default_rng(0).standard_normal((n, 3))
    out = model.predict(X)
    assert len(recorder.rows) == 3 and sum(recorder.rows) == n
    assert max(recorder.rows) <= most and max(recorder.rows) - min(recorder.rows) <= 1
    whole = model.forward(X)
    np.testing.assert_allclose(out, whole, rtol=1e-12, atol=1e-15)


def test_rows_that_fit_go_in_one_pass() -> None:
    model, recorder = _model(64)
    X = np.random.default_rng(1).standard_normal((100, 3))
    np.testing.assert_array_equal(model.predict(X), model.forward(X))
    assert recorder.rows == [100, 100]


def test_batch_size_still_wins() -> None:
    model, recorder = _model(64)
    X = np.random.default_rng(2).standard_normal((1000, 3))
    model.predict(X, batch_size=300)
    assert recorder.rows == [300, 300, 300, 100]


def test_predict_on_batch_is_one_pass() -> None:
    model, recorder = _model(512)
    n = _inference.default_rows(model) + 10
    model.predict_on_batch(np.zeros((n, 3)))
    assert recorder.rows == [n]


def test_widest_layer_sets_the_rows() -> None:
    model = nonlin.Sequential([nonlin.Dense(4096), nonlin.ReLU(), nonlin.Dense(8)]).build(2)
    assert _inference.default_rows(model) == 256  # (1 << 20) // 4096, the floor
    wide_out = nonlin.Sequential([nonlin.Dense(4)]).build(2)
    assert _inference.default_rows(wide_out) == (1 << 20) // 4


def test_balanced_rows() -> None:
    assert _inference.balanced_rows(10, 4) == 4  # 4, 4, 2: three chunks either way
    assert _inference.balanced_rows(9, 4) == 3
    assert _inference.balanced_rows(8193, 8192) == 4097
    assert _inference.balanced_rows(5, 8192) == 5


def test_estimator_predicts_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    with warnings.catch_warnings():  # ConvergenceWarning: 5 epochs are enough here
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(
            X, (X[:, 0] > 0).astype(int))
    big = rng.standard_normal((3 * _inference.default_rows(est.model_) + 5, 4))
    expected = est.predict_proba(big[:10])
    sizes: list[int] = []
    original = _inference.predict_chunks

    def recording(model, X, size, tick):  # type: ignore[no-untyped-def]
        sizes.append(size)
        return original(model, X, size, tick)

    monkeypatch.setattr(_inference, "predict_chunks", recording)
    proba = est.predict_proba(big)
    assert sizes and sizes[0] <= _inference.default_rows(est.model_)
    np.testing.assert_allclose(proba[:10], expected, rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
