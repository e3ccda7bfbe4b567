"""Shared by the tests of Parquet and Arrow files (``test_cli_parquet_s28``,
``test_parquet_review_s28``, ``test_parquet_s31``, ``test_review31e_s31``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


def table_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder, and its ``tmp`` as the temporary folder of the
    commands' CSV copies (so a test sees every copy left behind)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path


def watch_copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose CSV copy the commands make, in order (``cli_stdin.as_csv`` watched)."""
    from nonlin import cli_stdin

    made: list[str] = []
    real = cli_stdin.as_csv

    def watched(path: str, kind: str, shown: str) -> str:
        made.append(shown)
        return real(path, kind, shown)

    monkeypatch.setattr(cli_stdin, "as_csv", watched)
    return made
