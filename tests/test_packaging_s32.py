"""Packaging (session 32): what a downstream packager (Debian, conda-forge, Fedora, Nix)
needs from the sdist. The LICENSE file pyproject.toml's ``license = "MIT"`` promises,
named as a PEP 639 ``license-files``; an sdist that carries the whole test suite
(conftest, ``*_helpers.py``, ``tests/data`` fixtures) and the docs and examples the tests
read, and no caches; and test modules that import an optional extra at module level skip
(``pytest.importorskip``) where it is missing instead of failing collection.
pyproject.toml is read by hand: Python 3.10 has no tomllib."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sdist_helpers import sdist_names

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")

# what test modules may import only after pytest.importorskip of it (or of sklearn, whose
# own dependencies scipy and joblib are then there)
_EXTRAS = {"sklearn", "matplotlib", "pandas", "polars", "pyarrow", "dask", "distributed",
           "torch", "hypothesis", "mypy", "threadpoolctl", "mpmath", "setuptools"}
_WITH_SKLEARN = {"scipy", "joblib"}


def test_the_license_file_is_the_mit_text_naming_the_nonlin_developers() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) the nonlin developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_pyproject_states_the_license_as_pep_639_does() -> None:
    assert re.search(r'^license = "MIT"$', PYPROJECT, re.MULTILINE), "an SPDX expression"
    assert re.search(r'^license-files = \["LICENSE"\]$', PYPROJECT, re.MULTILINE)
    # setuptools reads PEP 639's license and license-files from 77 on
    found = re.search(r'^requires = \["setuptools>=(\d+)"', PYPROJECT, re.MULTILINE)
    assert found and int(found[1]) >= 77, found


def _module_level_imports_before_their_skip(path: Path) -> list[str]:
    """``line: module`` for each module-level import of an optional extra that no
    ``pytest.importorskip`` above it guards."""
    guarded: set[str] = set()
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Expr | ast.Assign):
            call = node.value
            if (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "importorskip"
                    and call.args and isinstance(call.args[0], ast.Constant)):
                guarded.add(str(call.args[0].value).split(".")[0])
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                 [node.module] if isinstance(node, ast.ImportFrom) and node.module
                 and not node.level else [])
        for name in names:
            top = name.split(".")[0]
            needs = top in _EXTRAS or (top in _WITH_SKLEARN and "sklearn" not in guarded)
            if needs and top not in guarded:
                found.append(f"{node.lineno}: {name}")
    return found


def test_the_guard_finds_an_unguarded_extra(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text('import pytest\npytest.importorskip("sklearn")\nimport sklearn\n'
                      "import joblib\nfrom hypothesis import given\n")
    assert _module_level_imports_before_their_skip(module) == ["5: hypothesis"]


def test_test_modules_skip_where_an_extra_they_import_is_missing() -> None:
    # was: ten modules (pandas, matplotlib, hypothesis) failed collection without the extra
    unguarded = {path.name: found for path in sorted(TESTS.glob("*.py"))
                 if (found := _module_level_imports_before_their_skip(path))}
    assert unguarded == {}


def test_the_sdist_carries_what_the_test_suite_needs_and_no_caches(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    names, tree = sdist_names(tmp_path_factory)
    needed = {"LICENSE", "pyproject.toml", "README.md", "tests/conftest.py",
              "tests/data/old_files/README.md", "docs/guide.md", "examples/xor_tutorial.py"}
    needed |= {f"tests/{path.name}" for path in TESTS.glob("*_helpers.py")}
    assert needed - names == set()
    assert [name for name in names if "__pycache__" in name or ".hypothesis" in name
            or name.endswith(".pyc")] == []
    pkg_info = (tree / "src" / "nonlin.egg-info" / "PKG-INFO").read_text()
    assert "License-Expression: MIT" in pkg_info and "License-File: LICENSE" in pkg_info


def test_the_suite_collects_in_pytest_s_importlib_import_mode(tmp_path: Path) -> None:
    # was: --import-mode=importlib (no test directory on sys.path) failed collecting every
    # module that imports a helper: "No module named 'cli_helpers'"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
         "--import-mode=importlib", str(TESTS / "test_cli_hostile_s14.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_tests_read_the_imported_package_not_the_source_tree(tmp_path: Path) -> None:
    # was: test_reading_path_s27 traced only files under the tree's src/, so with nonlin
    # installed elsewhere (a packager's run of the sdist's tests) it counted 0 lines
    import nonlin

    site = tmp_path / "site"
    shutil.copytree(Path(nonlin.__file__).parent, site / "nonlin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         # its 60,000-step tutorial comparison (2 s) reads no path: left to the suite
         "-k", "not tutorial_code_bit_for_bit", str(TESTS / "test_reading_path_s27.py")],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(site)}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 passed" in result.stdout, result.stdout[-3000:]


# the tests (by module) that needed an extra they did not skip without, run with the extras
# made unimportable; hypothesis-only modules are left to the static check above
_NEEDED_AN_EXTRA = {
    "test_cli_after_save_s27": "plotting or plot_written",
    "test_cli_sigint_kept_ignored_s28": "ignored or replaced",
    "test_cli_sigterm_background_s28": "at_each_moment_does_as_in_the_foreground",
    "test_cross_surface": "scikit_learn_estimators_file",
    "test_function_splits_s28": "plot_that_cannot",
    "test_paths_s16": "evaluate_plot_title",
    "test_review26a_s26": "coefs_and_intercepts or ones_own_arrays",
    "test_parquet_review_s28": "damaged or no_room or table_name or gzipped or standard_input "
                               "or ctrl_c",
    "test_review31d_s31": "hints_resolve",
    "test_docs": "run_in_order and guide",
    "test_cli_hostile_s14": "plain_quote",
    "test_resume_refused": "refused or resume",
    "test_review_s20b_sources": "frame_columns",
    "test_cli_weighted_plot": "colour_bar",
}
_BLOCKED = ("sklearn", "matplotlib", "pandas", "polars", "pyarrow", "dask", "torch")


def test_tests_that_need_an_extra_skip_where_it_is_missing(tmp_path: Path) -> None:
    # was: 28 tests failed with ModuleNotFoundError (or nonlin's MissingExtraError) under a
    # plain `pip install nonlin pytest`
    script = ("import sys\nfor name in sys.argv[1].split(','):\n    sys.modules[name] = None\n"
              "import pytest\nsys.exit(pytest.main(sys.argv[2:]))")
    result = subprocess.run(
        [sys.executable, "-c", script, ",".join(_BLOCKED), "-q", "-p", "no:cacheprovider",
         "-k", " or ".join(f"({words})" for words in _NEEDED_AN_EXTRA.values()),
         *(str(TESTS / f"{module}.py") for module in sorted(_NEEDED_AN_EXTRA))],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " skipped" in result.stdout and " failed" not in result.stdout
