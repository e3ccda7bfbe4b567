"""Static types: ``mypy src/nonlin`` is clean under ``[tool.mypy]`` in pyproject.toml
(when mypy is installed: the dev extra), and the values mypy found mistyped keep
their annotations at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_error_in_the_package(tmp_path: Path) -> None:
    """The settings are pyproject.toml's; a fresh cache, so the verdict is this tree's."""
    pytest.importorskip("mypy")
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
