"""Static types: ``mypy src/nonlin`` is clean under ``[tool.mypy]`` in pyproject.toml
(when mypy is installed: the dev extra), and the values mypy found mistyped keep
their annotations at run time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _numpy_stubs_need_312() -> bool:
    """Whether the installed NumPy's stubs use Python 3.12's type-parameter syntax
    (``class C[T]: ...``, NumPy 2.5's), which mypy cannot read as an older Python."""
    stubs = Path(np.__file__).parent.rglob("*.pyi")
    pep695 = re.compile(r"^\s*(class|def) \w+\[", re.MULTILINE)
    return any(pep695.search(stub.read_text(encoding="utf-8")) for stub in stubs)


def _mypy_python() -> tuple[int, int]:
    """``[tool.mypy] python_version`` (read by hand: no tomllib on Python 3.10)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^python_version = "(\d+)\.(\d+)"', text, re.MULTILINE)
    assert found, "pyproject.toml sets [tool.mypy] python_version"
    return int(found[1]), int(found[2])


def test_mypy_finds_no_error_in_the_package(tmp_path: Path) -> None:
    """The settings are pyproject.toml's; a fresh cache, so the verdict is this tree's.
    mypy reads NumPy's stubs as the configured Python: a NumPy that does not support that
    Python (2.5 needs 3.12; its stubs use 3.12's syntax) cannot be read as it, and the
    check is not this environment's (NumPy 2.2 on Python 3.10 and 2.4 on 3.11 are)."""
    pytest.importorskip("mypy")
    if _mypy_python() < (3, 12) and _numpy_stubs_need_312():
        pytest.skip(f"NumPy {np.__version__}'s stubs use Python 3.12's syntax: mypy cannot "
                    f"read them as [tool.mypy]'s Python {_mypy_python()}")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "src/nonlin", "--config-file", "pyproject.toml",
         "--cache-dir", str(tmp_path), "--no-error-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_plain_input_answers_a_bool() -> None:
    """scikit-learn's predict fast path asks ``plain_input``: a bool, not ``np.bool_``."""
    from nonlin._sklearn_base import plain_input

    est = SimpleNamespace(n_features_in_=2)
    assert plain_input(est, np.ones((3, 2))) is True
    assert plain_input(est, np.full((3, 2), np.nan)) is False
