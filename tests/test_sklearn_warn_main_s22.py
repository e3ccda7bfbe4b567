"""staledocs22: the estimators' scikit-learn warnings (``_sklearn_warn.warn_as_sklearn``) from
code run as ``python -c`` or typed in the REPL, whose ``__main__`` has ``BuiltinImporter`` as
its loader: ``warnings.warn_explicit(module_globals=...)`` asked it for the source and raised
``ImportError: '__main__' is not a built-in module`` instead of warning, so a fit that ran out
of ``max_iter`` (or was given a column-vector ``y``) failed there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the estimators")

SRC = str(Path(__file__).resolve().parents[1] / "src")
CODE = """
import numpy as np
from nonlin.sklearn import MLPClassifier
X = np.random.default_rng(0).normal(size=(30, 3))
y = (X[:, 0] > 0).astype(int)
MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y.reshape(-1, 1))
print("fitted")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC}


def _check(done: subprocess.CompletedProcess) -> None:
    assert "ImportError" not in done.stderr, done.stderr
    assert "fitted" in done.stdout
    assert "ConvergenceWarning" in done.stderr  # still warned, as scikit-learn's
    assert "DataConversionWarning" in done.stderr


def test_a_fit_warns_from_python_dash_c() -> None:
    _check(subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          env=_env(), timeout=120, check=False))


def test_a_fit_warns_in_the_interactive_interpreter() -> None:
    _check(subprocess.run([sys.executable, "-i", "-q"], input=CODE, capture_output=True,
                          text=True, env=_env(), timeout=120, check=False))
