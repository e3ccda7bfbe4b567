"""Follow-ups of session 16: one ``_unnumber`` for the sklearn file reader, old files whose
labels are all spelled "inf"/"-inf"/"nan", and checkpoints' ``resume`` and compile record."""

from __future__ import annotations

from pathlib import Path


def test_one_unnumber_serves_the_sklearn_reader_and_its_checks() -> None:
    from nonlin import _sklearn_filecheck, _sklearn_io

    package = Path(_sklearn_io.__file__).parent  # the nonlin imported
    defined = sorted(p.name for p in package.glob("*.py") if "def _unnumber(" in p.read_text())
    assert defined == ["_sklearn_filecheck.py"]
    assert "_unnumber" not in vars(_sklearn_io)  # it reads filecheck's
    assert _sklearn_filecheck._unnumber("nan") != _sklearn_filecheck._unnumber("nan")  # NaN
    assert _sklearn_io._loss("-inf") == float("-inf") and _sklearn_io._loss(None) is None
