"""Review of s32-pack32 (packaging): the sdist test ran nowhere it was meant to (the
README's dev environment has the venv's setuptools, 65 on Python 3.11, so it skipped; a
Python 3.12+ venv has none, so it failed), and MANIFEST.in's grafts carried the caches and
plots a working tree gathers (``.pytest_cache``, ``.mypy_cache``, ``.ruff_cache``,
``.hypothesis`` outside ``tests/``, ``*.png``) into the sdist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_dev_extra_brings_the_setuptools_the_sdist_test_builds_with() -> None:
    # was: no setuptools in .[dev]; the README's venv kept its own (65.5 on Python 3.11),
    # so test_packaging_s32's sdist test skipped in CI and in every dev environment
    dev = re.search(r"^dev = \[(.*?)^\]", PYPROJECT, re.MULTILINE | re.DOTALL)
    assert dev is not None
    found = re.search(r'"setuptools>=(\d+)"', dev[1])
    assert found is not None and int(found[1]) >= 77, dev[1]


def test_the_sdist_test_skips_where_setuptools_is_not_installed(tmp_path: Path) -> None:
    # was: ModuleNotFoundError (a failure) in a Python 3.12+ venv, which has no setuptools
    script = ("import sys\nsys.modules['setuptools'] = None\n"
              "import pytest\nsys.exit(pytest.main(sys.argv[1:]))")
    test = "test_the_sdist_carries_what_the_test_suite_needs_and_no_caches"
    result = subprocess.run(
        [sys.executable, "-c", script, "-q", "-p", "no:cacheprovider", "-rs",
         f"{ROOT / 'tests' / 'test_packaging_s32.py'}::{test}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout and "setuptools" in result.stdout, result.stdout


_PLANTED = ("tests/.pytest_cache/v/cache/lastfailed", "tests/.mypy_cache/3.11/x.json",
            "tests/.ruff_cache/0.4/x", "benchmarks/.ruff_cache/0.4/x",
            "examples/.mypy_cache/3.11/x.json", "docs/.hypothesis/constants/x",
            "tests/.benchmarks/x.json", "examples/.venv/pyvenv.cfg",
            "examples/xor-error.png", "benchmarks/loss.png", "tests/plot.png")


def test_the_sdist_leaves_out_what_running_the_tools_leaves_in_the_tree(
        tmp_path: Path) -> None:
    # was: every planted file was in the sdist (the grafts take all a folder holds)
    pytest.importorskip("setuptools", minversion="77")
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache",
                                    "*.egg-info", "build", "dist", ".venv", "*.png")
    for name in ("src", "tests", "docs", "examples", "benchmarks"):
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(ROOT / name, tree / name)
    for planted in _PLANTED:
        (tree / planted).parent.mkdir(parents=True, exist_ok=True)
        (tree / planted).write_bytes(b"left by a tool")
    script = "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "dist")], cwd=tree,
                   check=True, capture_output=True, timeout=120)
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert sorted(set(_PLANTED) & names) == []
    # what the suite reads is still there (the egg-info setuptools writes, too)
    assert {"tests/conftest.py", "tests/data/old_files/README.md", "docs/guide.md",
            "src/nonlin/py.typed", "src/nonlin.egg-info/PKG-INFO", "LICENSE"} <= names
