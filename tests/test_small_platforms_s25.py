"""nonlin on 32-bit platforms (a Raspberry Pi's 32-bit OS, Pyodide's wasm32) and with a
distribution's old scikit-learn.

There ``np.intp``, what ``take``, ``put`` and fancy indexing index with, is int32, and
NumPy refuses int64 indices (``Cannot cast array data from dtype('int64') to
dtype('int32') according to the rule 'safe'``). On this 64-bit machine int64 *is* intp, so
the ``simulated_32_bit`` fixture sets ``np.intp`` to int32 for the test: code that asks for
``np.intp`` gets what a 32-bit platform gives. The fixes were found, and checked, by
running the whole suite under a real i386 Python (Debian 12, NumPy 1.24).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin._optional import MissingExtraError, require
from nonlin.objective import Objective
from nonlin.tabular import read_csv

_ROOT = Path(__file__).resolve().parents[1]
_INTP = np.intp  # the platform's own


@pytest.fixture
def simulated_32_bit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``np.intp`` is int32 while the test runs, as on 32-bit platforms."""
    monkeypatch.setattr(np, "intp", np.int32)
    yield


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text("a,b,c,label\n1.5,2,-3e2,0\n3,4.25,0.125,1\n-1e3,7,12345678.5,2\n"
                    "0.001,-0.5,1E-3,1\n", encoding="utf-8")
    return path


def test_reading_a_csv_file_on_a_32_bit_platform(tmp_path: Path, simulated_32_bit: None) -> None:
    """The digits were read from intp positions viewed as uint64 words' shifts: on a 32-bit
    platform that view raised ``ValueError: When changing to a larger dtype...`` for any
    file with a number."""
    table = read_csv(_csv(tmp_path), target="label", dtype=np.float64)
    np.testing.assert_array_equal(table.X, [[1.5, 2, -300], [3, 4.25, 0.125],
                                            [-1000, 7, 12345678.5], [0.001, -0.5, 0.001]])
    np.testing.assert_array_equal(table.y, [0, 1, 2, 1])


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_bits_into_word_is_8_times_the_position_mod_8(dtype: type) -> None:
    from nonlin._csv_digits import _bits_into_word

    at = np.array([0, 1, 7, 8, 9, 2**31 - 1], dtype=dtype)
    shift = _bits_into_word(at)
    assert shift.dtype == np.uint64
    np.testing.assert_array_equal(shift, 8 * (at.astype(np.int64) % 8))


def test_the_label_objective_indexes_with_intp(simulated_32_bit: None) -> None:
    """Cross-entropy on integer labels took each label's entry with an int64 index buffer:
    every softmax fit on labels raised the cast error above on a 32-bit platform."""
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    model.build(4)
    objective = Objective(model, nonlin.CrossEntropy(), 8, labels=True)
    assert objective._flat.dtype == np.int32 and objective._rowbase.dtype == np.int32


def test_a_label_fit_gives_the_same_bits_with_int32_indices(simulated_32_bit: None) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)

    def trained() -> np.ndarray:
        model = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(3),
                                   nonlin.Softmax()])
        model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=16,
                  seed=1, verbose=0)
        return np.concatenate([p.reshape(-1) for p in model.get_weights()])

    simulated = trained()
    np.intp = _INTP  # type: ignore[misc]  # the platform's own again (monkeypatch restores it)
    np.testing.assert_array_equal(simulated, trained())


def test_an_old_scikit_learn_is_refused_by_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian 12 (Raspberry Pi OS) ships scikit-learn 1.2: importing nonlin.sklearn failed on
    ``cannot import name 'validate_data'``, naming neither the version nor the fix."""
    sklearn = pytest.importorskip("sklearn")
    monkeypatch.setattr(sklearn, "__version__", "1.2.1")
    monkeypatch.delitem(sys.modules, "nonlin.sklearn", raising=False)
    expected = ("nonlin.sklearn needs scikit-learn 1.6 or later; 1.2.1 is installed; "
                "install it with: pip install -U 'nonlin[sklearn]'")
    with pytest.raises(MissingExtraError, match=re.escape(expected)) as caught:
        importlib.import_module("nonlin.sklearn")
    assert caught.value.name == "sklearn"  # pytest.importorskip("nonlin.sklearn") skips


def test_require_takes_a_new_enough_version_and_an_unnumbered_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert require("numpy", "core", "math", minimum=(1, 23)) is np
    monkeypatch.setattr(np, "__version__", "dev")  # not two numbers: not refused
    assert require("numpy", "core", "math", minimum=(99, 0)) is np


def test_the_minimum_scikit_learn_is_the_extras() -> None:
    pyproject = (_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    source = (_ROOT / "src" / "nonlin" / "sklearn.py").read_text(encoding="utf-8")
    pinned = re.search(r'sklearn = \["scikit-learn>=(\d+)\.(\d+)"\]', pyproject)
    assert pinned is not None
    assert f'minimum=({pinned[1]}, {pinned[2]})' in source


def test_iou_refuses_a_range_too_long_for_len_by_value() -> None:
    """``len(range(2**40))`` overflows on 32-bit platforms (past 2**63 everywhere): IoU raised
    ``OverflowError: Python int too large to convert to C ssize_t``."""
    with pytest.raises(ValueError, match=r"Received: target_class_ids=range\(0, 10{20}\)"):
        nonlin.metrics.IoU(10, range(10**20))


@pytest.mark.parametrize("name", ["moons", "circles", "spirals"])
def test_toy_labels_are_intp_which_bincount_and_indexing_take(name: str,
                                                               simulated_32_bit: None) -> None:
    """int64 labels failed ``np.bincount(y)`` (which the class_weight message suggests) on
    32-bit platforms: ``Cannot cast array data from dtype('int64') to dtype('int32')``."""
    X, y = getattr(nonlin.datasets, name)(40, seed=0)
    assert y.dtype == np.int32


def test_labels_nonlin_converts_are_intp(simulated_32_bit: None) -> None:
    from nonlin._target_checks import check_labels

    assert check_labels(np.array([0.0, 1.0, 2.0]), 3).dtype == np.int32
    assert check_labels(np.array([0, 1], dtype=np.uint64), 2).dtype == np.int32


def test_reading_a_csv_exponent_past_the_fast_powers(tmp_path: Path,
                                                     simulated_32_bit: None) -> None:
    path = tmp_path / "e.csv"
    path.write_text("a,b\n1e300,2.5e-300\n123456789012345678,0.1\n", encoding="utf-8")
    table = read_csv(path, dtype=np.float64)
    np.testing.assert_array_equal(table.X, [[1e300, 2.5e-300], [123456789012345678, 0.1]])
