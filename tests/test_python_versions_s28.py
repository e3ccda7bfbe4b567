"""The oldest Python nonlin supports, ``requires-python``, is the one the linters check
against: ruff's ``target-version`` (3.11+ syntax such as ``except*`` or ``class C[T]``
reported) and mypy's ``python_version`` (3.11+ standard library such as ``tomllib`` or
``typing.Self`` reported). pyproject.toml is read by hand: Python 3.10 has no tomllib.
And what the oldest NumPy resolved there (2.2) does otherwise: a monitored value that is
an array of one value converts to a float there, and is refused all the same."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from nonlin._monitor import _monitored
from nonlin.callbacks import EarlyStopping

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _setting(pattern: str) -> tuple[int, int]:
    found = re.search(pattern, TEXT, re.MULTILINE)
    assert found, f"pyproject.toml has no line matching {pattern!r}"
    return int(found[1]), int(found[2])


def _table(name: str) -> str:
    """The lines of ``[name]`` up to the next table."""
    found = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[)", TEXT, re.MULTILINE | re.DOTALL)
    assert found, f"pyproject.toml has no [{name}] table"
    return found[1]


def test_the_linters_check_against_the_oldest_supported_python() -> None:
    floor = _setting(r'^requires-python = ">=(\d+)\.(\d+)"')
    ruff = re.search(r'^target-version = "py(\d)(\d+)"', _table("tool.ruff"), re.MULTILINE)
    assert ruff, "[tool.ruff] states target-version"
    assert (int(ruff[1]), int(ruff[2])) == floor
    mypy = re.search(r'^python_version = "(\d+)\.(\d+)"', _table("tool.mypy"), re.MULTILINE)
    assert mypy, "[tool.mypy] states python_version"
    assert (int(mypy[1]), int(mypy[2])) == floor


class _OldArray(np.ndarray):
    """An array that converts to a float when it holds one value, as NumPy 1.25 to 2.3 do
    (with a DeprecationWarning; 2.2 is the last NumPy for Python 3.10), and 2.4 refuses."""

    def __float__(self) -> float:
        return float(self.item())


@pytest.mark.parametrize("monitor", ["loss", "mine"])
def test_an_array_of_one_value_is_no_monitored_number_on_any_numpy(monitor) -> None:
    value = np.array([0.5]).view(_OldArray)
    assert float(value) == 0.5  # what NumPy 2.2 does
    owner = EarlyStopping(monitor=monitor)
    with pytest.raises(TypeError, match=rf"Expected a number in the logs for monitor='{monitor}'"
                                        r".*Received: logs\['"):
        _monitored({monitor: value}, monitor, owner)
