"""Session 26: what a metric's constructor makes before its bounds are checked.

``AUC``'s evenly spaced thresholds were a Python list of T floats first (an AUC of 65,536
thresholds: 2.1 MB of temporary objects; 51 of them in a compile record took ~1 s to load),
now NumPy's quotients, bit for bit the same; thresholds given are counted before each is
checked (a list of a million took 0.4 s to refuse)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from nonlin import metrics as M

T = 65536


def _peak(make: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        make()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_evenly_spaced_thresholds_are_python_s_quotients() -> None:
    for t in (2, 3, 7, 200, 4097, T):
        expected = [-1e-7, *[(i + 1) * 1.0 / (t - 1) for i in range(t - 2)], 1.0 + 1e-7]
        assert M.AUC(t).thresholds.tobytes() == np.array(expected).tobytes()


def test_an_auc_of_65536_thresholds_makes_no_list_of_them() -> None:
    kept = 5 * T * 8  # its thresholds and four counts, float64
    peak = _peak(lambda: M.AUC(T))
    assert peak < kept + 2 * T * 8, peak  # before: kept + a list of 65,534 floats (2.1 MB)


def test_thresholds_given_are_counted_before_each_is_checked() -> None:
    with pytest.raises(ValueError, match="Expected at most 65534 thresholds") as info:
        M.AUC(thresholds=[None] * (T - 1))  # before: each checked first (refused as [None, ...])
    assert "Received: 65535 thresholds" in str(info.value)


def test_thresholds_given_are_sorted_in_a_copy() -> None:
    given = np.array([0.5, 0.2, 0.0])
    auc = M.AUC(thresholds=given)
    np.testing.assert_array_equal(given, [0.5, 0.2, 0.0])
    assert auc.get_config()["thresholds"] == [0.0, 0.2, 0.5]
    assert all(type(t) is float for t in auc.get_config()["thresholds"])
    assert auc.num_thresholds == 5
    with pytest.raises(ValueError, match=r"thresholds in \[0, 1\]. Received: thresholds=array"):
        M.AUC(thresholds=np.zeros((2, 2)))
