"""Dense's weight gradient through ``nonlin._products.weight_grad``: np.dot's bits, always.

``weight_grad`` calls ``np.matmul`` (no zeroing pass over the gradient) for a large
gradient whose operands are contiguous arrays of its dtype, ``np.dot`` otherwise; the
bits must be ``np.dot``'s in every case, and operands ``np.dot`` refuses are refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from nonlin._products import MATMUL_BYTES, weight_grad


def _layouts(a: np.ndarray) -> dict[str, np.ndarray]:
    wide = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
    wide[:, : a.shape[1]] = a
    return {"C": a, "F": np.asfortranarray(a), "sliced": wide[:, : a.shape[1]]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(128, 784, 256), (33, 257, 129), (1, 300, 200), (7, 5, 3)])
def test_the_gradient_has_np_dot_bits_for_every_layout(dtype: type, shape: tuple) -> None:
    m, n_in, units = shape
    rng = np.random.default_rng(m + n_in)
    x0 = rng.standard_normal((m, n_in)).astype(dtype)
    g0 = rng.standard_normal((m, units)).astype(dtype)
    for x in _layouts(x0).values():
        for g in _layouts(g0).values():
            expected = np.empty((n_in, units), dtype)
            np.dot(x.T, g, expected)
            out = np.full((n_in, units), np.nan, dtype)  # nothing of it may be read
            weight_grad(x, g, out)
            assert out.tobytes() == expected.tobytes()


def test_the_matmul_path_is_taken_for_the_mnist_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = np.matmul
    monkeypatch.setattr(np, "matmul", lambda *a: calls.append("matmul") or real(*a))
    x = np.ones((128, 784), np.float32)
    g = np.ones((128, 256), np.float32)
    out = np.empty((784, 256), np.float32)
    assert out.nbytes >= MATMUL_BYTES
    weight_grad(x, g, out)
    assert calls == ["matmul"]
    np.testing.assert_array_equal(out, 128.0)


@pytest.mark.parametrize("g_dtype", [np.float64, np.int64])
def test_operands_of_another_dtype_are_refused_as_np_dot_refuses_them(g_dtype: type) -> None:
    x = np.ones((128, 784), np.float32)
    g = np.ones((128, 256), g_dtype)
    out = np.empty((784, 256), np.float32)
    with pytest.raises((TypeError, ValueError)) as ours:
        weight_grad(x, g, out)
    with pytest.raises(type(ours.value)):
        np.dot(x.T, g, out)


def test_operands_of_other_shapes_are_refused() -> None:
    out = np.empty((784, 256), np.float32)
    with pytest.raises(ValueError):
        weight_grad(np.ones((128, 784), np.float32), np.ones((127, 256), np.float32), out)
