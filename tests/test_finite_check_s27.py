"""check_finite proves a large input finite without a BLAS call (session 27).

It summed block after block of rows with one BLAS matrix-vector product each: with
two BLAS threads on a busy machine each product waited for the thread pool, and
``fit`` spent 100 to 500 ms per call on bench_mnist's X. One NumPy reduction over
the flat view now proves it finite; the exact row scan still names a bad entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import _finite, validation


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_finite_input_is_proved_finite_without_blas(
    monkeypatch: pytest.MonkeyPatch, dtype: type
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a BLAS call or the row scan for finite data")

    X = np.random.default_rng(0).random((3000, 700)).astype(dtype)  # 2.1M entries
    monkeypatch.setattr(_finite, "first_nonfinite_row", refuse)
    monkeypatch.setattr(np, "dot", refuse)
    monkeypatch.setattr(np, "matmul", refuse)
    validation.check_finite(X, "X")


def test_a_sum_that_overflows_proves_nothing_the_row_scan_passes_finite_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned: list[int] = []
    scan = _finite.first_nonfinite_row

    def counted(arr: np.ndarray) -> int | None:
        scanned.append(arr.shape[0])
        return scan(arr)

    monkeypatch.setattr(_finite, "first_nonfinite_row", counted)
    X = np.full((2000, 600), np.finfo(np.float32).max / 1e3, dtype=np.float32)
    X[::2] *= -1  # the rows' sums of 600 values overflow, and so does the whole sum
    X[:, 0] = np.finfo(np.float32).max
    with np.errstate(over="raise", invalid="raise"):  # nothing raised or warned
        validation.check_finite(X, "X")
    assert scanned == [2000]
    X[1999, 5] = np.nan
    with pytest.raises(ValueError, match=r"row 1999: X\[1999, 5\]=nan$"):
        validation.check_finite(X, "X")
