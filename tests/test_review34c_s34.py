"""Session 34 review of the numerics34 merge: what it left out or got wrong.

1. ``LayerNormalization`` had ``BatchNorm``'s fault that numerics34 repaired there: a row
   whose variance is within its rounded mean's error (a constant row of large values; in
   float32 a row constant at 1.2e8, or at 1e30 where the ulp's square overflows) gave
   outputs of +-1 instead of 0, and a near-constant row lost its few significant bits.
2. ``F1Score(average=None)`` logged per class in ``fit``: each of the ``k`` copies counted
   every column of every batch (O(n k^2): 11.5 s, not 0.3 s, an epoch at 1000 classes); the
   copies now share one count of each batch, and still count their own rows out of step.
3. ``Normalization.adapt`` (``np.mean``, ``np.var`` in float64) had the same fault as 1: a
   constant feature at 1e30 got a variance of 2e28 and outputs of -1, not 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from nonlin import Identity, LayerNormalization, Sequential, gradcheck


def _exact_layer_norm(x: np.ndarray, epsilon: float) -> np.ndarray:
    """``(x - mean) / sqrt(var + epsilon)`` per row, the moments in exact rationals."""
    out = np.zeros(x.shape)
    for i, row in enumerate(x):
        values = [Fraction(float(v)) for v in row]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        scale = math.sqrt(float(var) + epsilon)
        out[i] = [float(v - mean) / scale for v in values]
    return out


@pytest.mark.parametrize(("dtype", "value", "width"), [
    (np.float64, 1e30, 3), (np.float64, 1e30, 7), (np.float64, 3.3e20, 100),
    (np.float32, 123456789.0, 7), (np.float32, 1.7e15, 10), (np.float32, 1e30, 3)])
def test_layer_norm_constant_row_gives_zeros(dtype: type, value: float, width: int) -> None:
    x = np.full((2, width), value, dtype)
    model = Sequential([LayerNormalization()]).build(width, dtype=dtype)
    out = model.forward(x, training=True)
    assert np.array_equal(out, np.zeros_like(out))  # main: +-1 (or 0.99999)
    assert np.array_equal(model.predict(x, verbose=0), out)


@pytest.mark.parametrize(("value", "spread"), [(1e15, 1.0), (1e16, 3.0), (1e30, 1e15)])
def test_layer_norm_near_constant_rows_match_exact_moments(value: float, spread: float) -> None:
    x = value + spread * np.random.default_rng(0).standard_normal((4, 16))
    layer = LayerNormalization()
    out = Sequential([layer]).build(16).forward(x, training=True)
    np.testing.assert_allclose(out, _exact_layer_norm(x, layer.epsilon), rtol=0, atol=1e-14)


def test_layer_norm_ordinary_rows_keep_their_bits_and_gradients() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 5)) * 3 + 2
    layer = LayerNormalization()
    out = Sequential([layer]).build(5).forward(x, training=True)
    mean = x.mean(axis=1, keepdims=True)
    centered = x - mean
    expected = centered / np.sqrt((centered * centered).mean(axis=1, keepdims=True)
                                  + layer.epsilon)
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-15)
    model = Sequential([LayerNormalization(), Identity()]).build(5, seed=0)
    assert gradcheck(model, "mse", x, rng.standard_normal((8, 5))) < 1e-6


def test_layer_norm_float32_large_constant_and_huge_rows_stay_finite() -> None:
    x = np.array([[1e30, -1e30, 0.0], [1e30, 1e30, 1e30]], np.float32)
    out = Sequential([LayerNormalization()]).build(3, dtype=np.float32).forward(x, training=True)
    np.testing.assert_allclose(out[0], [math.sqrt(1.5), -math.sqrt(1.5), 0.0], rtol=1e-6)
    assert np.array_equal(out[1], np.zeros(3, np.float32))


# -- 2. F1Score(average=None) in fit: one count of the batch, not one per class ---------------
def _calls_of_predicted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import nonlin._fscore_metrics as fscore

    calls: list[int] = []
    original = fscore.predicted

    def counting(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fscore, "predicted", counting)
    return calls


def test_per_class_f1_counts_each_batch_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin import Dense, Softmax
    from nonlin.metrics import F1Score

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 4)), rng.integers(0, 6, 64)
    model = Sequential([Dense(6), Softmax()]).build(4, seed=0)
    calls = _calls_of_predicted(monkeypatch)
    history = model.fit(X, y, loss="sparse_categorical_crossentropy", optimizer="adam",
                        metrics=[F1Score(average=None)], epochs=1, batch_size=16, verbose=0)
    assert [k for k in history.history if k.startswith("f1")] == [
        f"f1_score_class_{j}" for j in range(6)]
    assert len(calls) == 4  # one per batch (main: 24, one per class and batch: O(n k^2))


def test_per_class_f1_in_evaluate_matches_the_array_of_a_direct_call() -> None:
    from nonlin import Dense, Softmax
    from nonlin.metrics import F1Score

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((90, 4)), rng.integers(0, 3, 90)
    model = Sequential([Dense(3), Softmax()]).build(4, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[F1Score(average=None), F1Score(name="macro")])
    logs = model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True)
    expected = F1Score(average=None)(y, model.predict(X, verbose=0))
    got = [logs[f"f1_score_class_{j}"] for j in range(3)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert logs["macro"] == pytest.approx(float(np.mean(expected)), rel=1e-12)


def test_per_class_copies_updated_out_of_step_count_their_own_rows() -> None:
    from nonlin.metrics import F1Score, get_metrics

    rng = np.random.default_rng(2)
    copies = get_metrics([F1Score(average=None)], n_outputs=3)
    a_true, a_pred = rng.integers(0, 3, 20), rng.random((20, 3))
    b_true, b_pred = rng.integers(0, 3, 20), rng.random((20, 3))
    w = rng.uniform(0, 2, 20)
    for group in (copies, [F1Score(average=None, class_id=j) for j in range(3)]):
        group[1].update_state(a_true, a_pred)  # copy 1 alone, then every copy, then 1 again
        for one in group:
            one.update_state(b_true, b_pred, sample_weight=w)
        group[1].update_state(b_true, b_pred)
        group[2].update_state(a_true, a_pred, sample_weight=w)
    alone = group
    assert [c.result() for c in copies] == [a.result() for a in alone]


# -- 3. Normalization.adapt: BatchNorm's fault in np.mean / np.var --------------------------
@pytest.mark.parametrize(("value", "rows"), [(1e30, 3), (3.3e20, 100), (123456789.123, 7),
                                             (-7e25, 33), (1e300, 5)])
def test_normalization_adapt_of_a_constant_feature_gives_zeros(value: float, rows: int) -> None:
    from nonlin import Normalization

    x = np.full((rows, 2), value)
    layer = Normalization()
    layer.adapt(x)
    assert np.array_equal(layer.variance, np.zeros(2))  # main: 2e28 at 1e30, outputs -1
    assert np.array_equal(layer.mean, x[0])
    out = Sequential([layer]).build(2).predict(x, verbose=0)
    assert np.array_equal(out, np.zeros_like(out))


def test_normalization_adapt_of_ordinary_features_keeps_numpy_bits() -> None:
    from nonlin import Normalization

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 5)) * [1, 1e3, 1e-3, 5, 1] + [0, 1e6, 3, -2, 1e9]
    x[:, 4] = 2.5  # a constant, exactly held: variance 0 either way
    layer = Normalization()
    layer.adapt(x)
    assert np.array_equal(layer.mean, x.mean(axis=0))
    assert np.array_equal(layer.variance, x.var(axis=0))
