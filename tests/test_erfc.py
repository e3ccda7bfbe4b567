"""``nonlin._erfc``: Cody's erfc and the normal CDF against ``math.erfc``, in ulps.

float64: a few ulps of ``math.erfc`` over a dense grid and the edge values; float32:
computed in float32 (no float64 array made, nothing allocated with buffers given),
a few float32 ulps of ``math.erfc`` rounded to float32.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from nonlin._erfc import _constants, erfc, fresh, normal_cdf

EDGES = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1e-17, -1e-17, 0.5, -0.5, 0.46875,
         -0.46875, 4.0, -4.0, 6.0, -6.0, 26.5, 27.0, -27.0, 27.3, 1e308, -1e308]
GRID = np.concatenate([np.linspace(-30.0, 30.0, 60_001), EDGES])


def ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in units of the last place of ``ref`` (subnormal spacing below)."""
    return np.abs(got.astype(np.float64) - ref) / np.spacing(np.abs(ref.astype(ref.dtype)))


def test_erfc_is_within_a_few_ulps_of_math_erfc_in_float64() -> None:
    ref = np.array([math.erfc(v) for v in GRID])
    got = erfc(GRID)
    assert got.dtype == np.float64
    assert ulps(got, ref).max() <= 8  # 7 measured over 600,001 points of [-30, 30]
    assert np.median(ulps(got, ref)) <= 1


def test_erfc_edge_values() -> None:
    x = np.array([0.0, -0.0, 5e-324, -5e-324, 1e-300, np.inf, -np.inf, np.nan, 27.5, 1e308,
                  -1e308])
    got = erfc(x)
    np.testing.assert_array_equal(got, [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 2.0, np.nan, 0.0, 0.0, 2.0])
    for v in (0.5, -0.5, 4.0, -4.0, 6.0, -6.0, 27.0, -27.0):  # 27: a subnormal result
        assert ulps(erfc(np.array([v])), np.array([math.erfc(v)]))[0] <= 4, v
    assert 0 < erfc(np.array([27.0]))[0] < 1e-300


def test_erfc_keeps_nan_with_large_values_in_the_same_array() -> None:
    """The third interval is skipped when no entry reaches it: a nan must not hide one."""
    got = erfc(np.array([np.nan, 10.0, -10.0, 0.1]))
    assert np.isnan(got[0])
    np.testing.assert_allclose(got[1:], [math.erfc(10.0), math.erfc(-10.0), math.erfc(0.1)],
                               rtol=1e-15)


def _recording(shape: tuple[int, ...], seen: set[np.dtype]) -> object:
    pool: dict[tuple[str, object], np.ndarray] = {}

    def buf(name: str, dtype: object) -> np.ndarray:
        seen.add(np.dtype(dtype))
        if (name, dtype) not in pool:
            pool[name, dtype] = np.empty(shape, dtype)
        return pool[name, dtype]
    return buf


def test_float32_is_computed_in_float32_with_float32_accuracy() -> None:
    x = GRID[np.abs(GRID) < 1e30].astype(np.float32)
    seen: set[np.dtype] = set()
    got = erfc(x, buf=_recording(x.shape, seen))
    assert got.dtype == np.float32 and seen == {np.dtype(np.float32)}  # no bool masks either
    assert all(c.dtype == np.float32 for group in _constants(np.dtype(np.float32))
               for c in (group if isinstance(group, tuple) else (group,)))
    ref = np.array([math.erfc(float(v)) for v in x]).astype(np.float32)
    assert ulps(got, ref).max() <= 10  # 9 measured; a float32 ulp is 6e-8 relative
    np.testing.assert_array_equal(erfc(np.array([np.inf, -np.inf, 3e38, -3e38], np.float32)),
                                  [0.0, 2.0, 0.0, 2.0])


def test_with_buffers_nothing_is_allocated_float32_end_to_end() -> None:
    """No float64 temporary (it would be twice the float32 array) and, with the buffers
    given (a layer's training buffers), no array of the input's size at all."""
    x = np.linspace(-12, 12, 200_000, dtype=np.float32)  # all three intervals
    buf = _recording(x.shape, set())
    out, gauss = np.empty_like(x), np.empty_like(x)
    normal_cdf(x, out, gauss, buf)  # makes the buffers
    tracemalloc.start()
    try:
        normal_cdf(x, out, gauss, buf)
        erfc(x, out, buf)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 4, peak


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normal_cdf_has_no_cancellation_in_the_lower_tail(dtype: type) -> None:
    """Phi(x) = erfc(-x / sqrt(2)) / 2 relative to its value down to where it underflows;
    1 + erf(x / sqrt(2)) would lose every digit by x = -8 (float64)."""
    x = np.linspace(-37.0 if dtype is np.float64 else -13.0, 8.0, 4_001).astype(dtype)
    out, gauss = np.empty_like(x), np.empty_like(x)
    normal_cdf(x, out, gauss, fresh(x.shape))
    xd = x.astype(np.float64)
    ref = np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in xd])
    # math.erfc's argument -v / sqrt(2) is rounded: the reference itself is good to
    # about x^2 ulps in the far tail, which the tolerance allows for
    eps = np.finfo(dtype).eps
    assert (np.abs(out - ref) / ref <= eps * (8 + xd**2 * (dtype is np.float64))).all()
    exp_ref = np.exp(-xd**2 / 2)  # the same allowance: xd**2 is rounded here
    assert (np.abs(gauss - exp_ref) <= exp_ref * eps * (8 + xd**2) + 1e-300).all()
    x_ends = np.array([-np.inf, np.inf, -1e30, 1e30, 0.0], dtype)
    out, gauss = np.empty_like(x_ends), np.empty_like(x_ends)
    normal_cdf(x_ends, out, gauss, fresh(x_ends.shape))
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(gauss, [0.0, 0.0, 0.0, 0.0, 1.0])
