"""A standard output that cannot encode a label (``PYTHONIOENCODING=ascii``): the error
suggests the running command's own way out (``predict -o``, ``--json``), not another's."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from cli_helpers import error_line
from nonlin import cli


@pytest.fixture()
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i},{i % 3},{'café' if i % 2 else 'thé'}\n" for i in range(12))
    (tmp_path / "d.csv").write_text("a,b,label\n" + rows, encoding="utf-8")
    assert cli.main(["train", "d.csv", "--target", "label", "--epochs", "1", "--quiet",
                     "-o", "m.safetensors"]) == 0
    return tmp_path / "m.safetensors"


@pytest.mark.parametrize("argv, way, not_way", [
    (["info", "m.safetensors"], "or pass --json", "predict -o"),
    (["evaluate", "m.safetensors", "d.csv"], "or pass --json", "predict -o"),
    (["predict", "m.safetensors", "d.csv"], "predict -o PATH writes UTF-8", "--json"),
])
def test_the_error_names_this_commands_way_out(
        model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: list[str], way: str, not_way: str) -> None:
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")  # asked for: kept, not made UTF-8
    capsys.readouterr()
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    assert cli.main(argv) == 2
    line = error_line(capsys, "to standard output in its encoding 'ascii'", way)
    assert not_way not in line


def test_json_output_passes_where_the_tables_cannot(
        model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    assert cli.main(["info", "m.safetensors", "--json"]) == 0
    out.flush()
    assert "caf\\u00e9" in raw.getvalue().decode("ascii")
