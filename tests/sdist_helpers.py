"""One sdist of the tree per test session, shared by test_packaging_s32 and
test_review32d_s32 (each built its own: about 1.5 s apiece, twice that on a busy machine).
It is built (no network, no build isolation) from a copy of the tree, with the caches and
plots a working tree gathers planted in the copy, which the sdist must leave out."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ("tests/__pycache__/conftest.cpython-311.pyc", "tests/.hypothesis/x",
           "docs/__pycache__/x.pyc", "tests/.pytest_cache/v/cache/lastfailed",
           "tests/.mypy_cache/3.11/x.json", "tests/.ruff_cache/0.4/x",
           "benchmarks/.ruff_cache/0.4/x", "examples/.mypy_cache/3.11/x.json",
           "docs/.hypothesis/constants/x", "tests/.benchmarks/x.json",
           "examples/.venv/pyvenv.cfg", "examples/xor-error.png", "benchmarks/loss.png",
           "tests/plot.png")
_BUILT: dict[str, tuple[set[str], Path]] = {}


def sdist_names(factory: pytest.TempPathFactory) -> tuple[set[str], Path]:
    """The sdist's file names (without the ``nonlin-x.y/`` prefix) and the copied tree it
    was built in (its ``src/nonlin.egg-info`` holds the metadata written); skips where
    setuptools is older than 77 (PEP 639) or missing (a Python 3.12+ venv has none)."""
    pytest.importorskip("setuptools", minversion="77")
    if "sdist" not in _BUILT:
        where = factory.mktemp("sdist")
        tree = where / "tree"
        caches = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis",
                                        ".pytest_cache", "*.egg-info", "build", "dist",
                                        ".venv", "*.png")
        for name in ("src", "tests", "docs", "examples", "benchmarks"):
            shutil.copytree(ROOT / name, tree / name, ignore=caches)
        for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
            if (ROOT / name).exists():
                shutil.copy(ROOT / name, tree / name)
        for planted in PLANTED:
            (tree / planted).parent.mkdir(parents=True, exist_ok=True)
            (tree / planted).write_bytes(b"left by a tool")
        script = ("import sys; from setuptools import build_meta; "
                  "build_meta.build_sdist(sys.argv[1])")
        subprocess.run([sys.executable, "-c", script, str(where / "dist")], cwd=tree,
                       check=True, capture_output=True, timeout=120)
        (sdist,) = (where / "dist").glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        _BUILT["sdist"] = (names, tree)
    return _BUILT["sdist"]
