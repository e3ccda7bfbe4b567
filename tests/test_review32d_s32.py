"""Review of s32-pack32 (packaging): the sdist test ran nowhere it was meant to (the
README's dev environment has the venv's setuptools, 65 on Python 3.11, so it skipped; a
Python 3.12+ venv has none, so it failed), and MANIFEST.in's grafts carried the caches and
plots a working tree gathers (``.pytest_cache``, ``.mypy_cache``, ``.ruff_cache``,
``.hypothesis`` outside ``tests/``, ``*.png``) into the sdist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sdist_helpers import PLANTED, sdist_names

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


def test_the_sdist_leaves_out_what_running_the_tools_leaves_in_the_tree(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # was: every planted file was in the sdist (the grafts take all a folder holds)
    names, _ = sdist_names(tmp_path_factory)
    assert sorted(set(PLANTED) & names) == []
    # what the suite reads is still there (the egg-info setuptools writes, too)
    assert {"tests/conftest.py", "tests/data/old_files/README.md", "docs/guide.md",
            "src/nonlin/py.typed", "src/nonlin.egg-info/PKG-INFO", "LICENSE"} <= names
