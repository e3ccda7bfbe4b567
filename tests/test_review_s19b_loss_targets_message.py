"""``nonlin train --target y1,y2 --loss focal``: the refusal names the two target columns,
not one column called 'y1,y2'."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import error_line
from nonlin import cli


def _data(folder: Path) -> Path:
    rows = [f"{i % 7},{i % 5},{i % 3},{2 * i}" for i in range(30)]
    path = folder / "d.csv"
    path.write_text("a,b,y1,y2\n" + "\n".join(rows) + "\n")
    return path


def test_a_classification_loss_for_several_targets_names_them(tmp_path, capsys) -> None:
    assert cli.main(["train", str(_data(tmp_path)), "--target", "y1,y2", "--loss", "focal",
                     "--epochs", "1", "--quiet", "--out", str(tmp_path / "m.st")]) == 2
    error_line(capsys, "columns 'y1', 'y2' are regression targets: --loss focal is no loss "
               "of a regression model")


def test_one_target_is_named_as_before(tmp_path, capsys) -> None:
    assert cli.main(["train", str(_data(tmp_path)), "--target", "y2", "--loss", "focal",
                     "--epochs", "1", "--quiet", "--out", str(tmp_path / "m.st")]) == 2
    error_line(capsys, "column 'y2' is a regression target: --loss focal is no loss")
