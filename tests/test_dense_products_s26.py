"""Dense's training forward ``x @ W`` and input gradient ``g @ W.T`` without np.dot's
zeroing pass: ``np.matmul`` for a large output whose operands are contiguous arrays of its
dtype (``nonlin._products``' rule), ``np.dot`` otherwise, with np.dot's bits in every case.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import layers as dense_module
from nonlin._products import MATMUL_BYTES


def _layouts(a: np.ndarray) -> dict[str, np.ndarray]:
    wide = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
    wide[:, : a.shape[1]] = a
    return {"C": a, "F": np.asfortranarray(a), "sliced": wide[:, : a.shape[1]]}


def _dense(n_in: int, units: int, dtype: type) -> nonlin.Dense:
    layer = nonlin.Dense(units)
    nonlin.Sequential([layer]).build(n_in, seed=0, dtype=dtype)
    assert layer.b is not None
    layer.b.value[...] = np.linspace(-1, 1, units)
    layer.input_grad = True  # a model's first layer skips dL/dx: this one computes it
    return layer


SHAPES = [(128, 784, 256), (200, 64, 100), (33, 257, 1025), (1, 30, 40000), (300, 1, 200),
          (40000, 3, 1), (7, 5, 3)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_the_training_forward_and_input_gradient_have_np_dot_bits(dtype: type,
                                                                   shape: tuple) -> None:
    m, n_in, units = shape
    rng = np.random.default_rng(m + n_in + units)
    layer = _dense(n_in, units, dtype)
    W, b = layer.W.value, layer.b.value  # type: ignore[union-attr]
    x0 = rng.standard_normal((m, n_in)).astype(dtype)
    g0 = rng.standard_normal((m, units)).astype(dtype)
    for x in _layouts(x0).values():
        layer._y = np.full((m, units), np.nan, dtype)  # the scratch: nothing of it may be read
        expected = np.dot(x, W)
        expected += b
        assert layer.forward(x, training=True).tobytes() == expected.tobytes()
        for g in _layouts(g0).values():
            layer._grad_in = np.full((m, n_in), np.nan, dtype)
            grad_in = layer.backward(g)
            assert grad_in is not None
            assert grad_in.tobytes() == np.dot(g, W.T).tobytes()


def test_the_matmul_path_is_taken_for_the_mnist_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = _dense(784, 256, np.float32)
    x = np.ones((128, 784), np.float32)
    g = np.ones((128, 256), np.float32)
    assert 128 * 256 * 4 >= MATMUL_BYTES and 128 * 784 * 4 >= MATMUL_BYTES
    calls: list[tuple[int, ...]] = []
    real = np.matmul
    monkeypatch.setattr(np, "matmul", lambda a, b, out: calls.append(out.shape) or real(a, b, out))
    y = layer.forward(x, training=True)
    grad_in = layer.backward(g)
    # forward, weight gradient, input gradient: three GEMMs, none after a zeroing pass
    assert calls == [(128, 256), (784, 256), (128, 784)]
    np.testing.assert_array_equal(y, np.dot(x, layer.W.value) + layer.b.value)  # type: ignore
    np.testing.assert_array_equal(grad_in, np.dot(g, layer.W.value.T))


def test_a_batch_of_another_width_is_refused_as_before() -> None:
    layer = _dense(784, 256, np.float32)
    with pytest.raises(ValueError, match="784"):
        layer.forward(np.ones((128, 700), np.float32), training=True)
    layer.forward(np.ones((128, 784), np.float32), training=True)
    with pytest.raises(ValueError, match=r"\(128, 256\)"):
        layer.backward(np.ones((128, 200), np.float32))


def test_a_wide_fit_trains_to_the_same_bits_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fit with the matmul path switched off (threshold out of reach): equal bits
    (a guard: it passes on main, where there is no such path)."""
    rng = np.random.default_rng(0)
    X = rng.random((512, 784), dtype=np.float32)
    y = rng.integers(0, 10, 512)

    def fit() -> list[bytes]:
        model = nonlin.Sequential([nonlin.Dense(256), nonlin.ReLU(), nonlin.Dense(300, "relu"),
                                   nonlin.Dense(10), nonlin.Softmax()])
        model.build(784, seed=0, dtype=np.float32)
        model.fit(X, y, loss="cross_entropy", optimizer=nonlin.SGD(lr=0.01, momentum=0.9),
                  batch_size=128, epochs=2, verbose=0, seed=1)
        return [p.value.tobytes() for p in model.parameters()]

    fast = fit()
    monkeypatch.setattr(dense_module, "MATMUL_BYTES", 1 << 62, raising=False)  # main: none
    assert fit() == fast
