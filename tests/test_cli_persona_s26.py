"""Session 26's command-line persona review (cli26): a practitioner's CSV sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import error_line
from nonlin import cli


def test_a_semicolon_file_suggests_no_whole_header_line_as_the_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The header 'a;b;price' reads as one column; 'did you mean 'a;b;price'?' would send
    # the user to train on the whole line of text as a target, with no feature left.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "semi.csv").write_text("a;b;price\n1;2;3\n3;4;5\n")
    assert cli.main(["train", "semi.csv", "--target", "price", "--quiet"]) == 2
    line = error_line(capsys, "no column 'price' (--target)", "separated by ';'")
    assert "did you mean" not in line
    assert cli.main(["train", "semi.csv", "--target", "a;b;price", "--exclude", "price"]) == 2
    line = error_line(capsys, "no column 'price' (--exclude)", "separated by ';'")
    assert "did you mean" not in line
    (tmp_path / "comma.csv").write_text("a,b,price\n1,2,3\n3,4,5\n")  # still suggested here
    assert cli.main(["train", "comma.csv", "--target", "Price", "--quiet"]) == 2
    error_line(capsys, "did you mean 'price'?")
