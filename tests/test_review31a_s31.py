"""Review of session 31's data larger than memory (``nonlin._batch_dtype``, the training
loop's batch-by-batch cast): faults found and their fixes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import _epoch_loop


class _Uninitialized:
    """``numpy`` as ``nonlin._epoch_loop`` sees it, but for ``np.empty``, whose float32
    arrays hold a signaling NaN: memory left as a freed array left it (any bits may be
    there; the allocator hands back freed blocks of that size)."""

    def __getattr__(self, name: str):
        return getattr(np, name)

    @staticmethod
    def empty(*args, **kwargs) -> np.ndarray:
        arr = np.empty(*args, **kwargs)
        if arr.dtype == np.float32:
            arr.view(np.uint32)[...] = 0x7FA00000  # a signaling NaN
        return arr


@pytest.fixture
def mapped(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 13))
    np.save(tmp_path / "X.npy", X)
    return np.load(tmp_path / "X.npy", mmap_mode="r"), (X[:, 0] > 0).astype(np.int64)


def _fit(X, y, **options):
    model = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.build(13, 0, dtype="float32")
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=100,
              verbose=0, **options)
    return model.get_weights()


@pytest.mark.parametrize("options", [{}, {"validation_split": 0.25},
                                     {"sample_weight": np.linspace(0.5, 2, 600)}])
def test_a_shuffled_float64_memmap_never_casts_the_buffers_old_contents(mapped, monkeypatch,
                                                                        options):
    """``np.take(X, rows, out=xbuf)`` with a float32 ``xbuf`` and a float64 ``X`` first
    converted ``xbuf``'s uninitialized contents to float64: a signaling NaN there warned
    "invalid value encountered in cast" (an error under ``-W error``, or
    ``np.seterr(invalid="raise")``), at random, as the heap left the buffer."""
    X, y = mapped
    expected = _fit(np.asarray(X, dtype=np.float32), y, **options)
    monkeypatch.setattr(_epoch_loop, "np", _Uninitialized())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = _fit(X, y, **options)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def _peak(run) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_normalization_adapts_to_a_column_slice_of_a_memmap_by_blocks(tmp_path):
    """``adapt(mapped[:, :-1])`` (the features, the last column a label) took ``np.var``'s
    float64 temporary of the whole slice: only a C-contiguous array went by blocks."""
    rng = np.random.default_rng(6)
    X = (rng.normal(size=(60_000, 41)) * rng.uniform(0.1, 1e3, 41) + 7).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    features = np.load(tmp_path / "X.npy", mmap_mode="r")[:, :-1]
    nonlin.Normalization().adapt(X[:10, :-1])  # imports, outside the count
    layer = nonlin.Normalization()
    peak = _peak(lambda: layer.adapt(features))
    assert peak < features.size * 8 / 4  # np.var's temporary: features.size * 8 bytes
    np.testing.assert_array_equal(layer.variance, features.var(axis=0, dtype=np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32])
def test_blockwise_variance_of_views_is_np_var_bit_for_bit(dtype):
    from nonlin._column_stats import variance

    rng = np.random.default_rng(7)
    base = rng.normal(size=(120_000, 12)) * rng.uniform(1, 1e3, 12) + 40
    B = base.astype(dtype)
    for view in (B, B[:, :7], B[:, ::3], B[::2], B[::3, 1:9:2], B[::-1], B[:, ::-1],
                 np.asfortranarray(B), np.asfortranarray(B)[:, :5], B[:, 4:5],
                 np.broadcast_to(B[:, :1], (len(B), 3)), B[:5].T):
        mean = view.mean(axis=0, dtype=np.float64)
        np.testing.assert_array_equal(variance(view, mean), view.var(axis=0, dtype=np.float64))
