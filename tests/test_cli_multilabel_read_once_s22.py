"""A multilabel classifier's first target is read once: the table reader's ``y`` serves
``cli_multilabel.label_columns``, which reads the other targets' cells alone from the
file (before: every target's, the first read a second time). The first column it makes
is the one the file's cells give: same missing cells, same labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import cli, cli_keep
from nonlin.cli_multilabel import label_columns
from nonlin.tabular import read_csv


def _write(folder: Path, first: list[str]) -> Path:
    rng = np.random.default_rng(0)
    lines = ["x1,x2,a,b"]
    for i, cell in enumerate(first):
        lines.append(f"{rng.normal():.3f},{rng.normal():.3f},{cell},{i % 2}")
    path = folder / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


CASES = {
    "text": [" yes ", '"no"', "yes", "no ", "\tyes"] * 4,
    "text_with_na_label": ["NA", "yes", "NA", "yes"] * 5,
    "numbers": ["1", "0", "1.0", "00", " 1 "] * 4,
    "numbers_missing": ["1", "0", "NA", "1", ""] * 4,
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_first_column_is_the_one_its_cells_give(tmp_path: Path, case: str) -> None:
    path = _write(tmp_path, CASES[case])
    table = read_csv(path, target="a", columns=["x1", "x2"], missing="drop")
    kept = table.kept if table.kept is not None else np.ones(len(CASES[case]), dtype=bool)
    # the second "a" is read from the file's cells, as every target was before
    from_y, from_cells = label_columns(str(path), table, ["a", "a"])
    assert np.array_equal(from_y.missing, from_cells.missing)
    assert from_y.numeric == from_cells.numeric
    assert from_y.classes == from_cells.classes
    assert type(from_y.classes[0]) is type(from_cells.classes[0])
    if not from_y.numeric:
        assert from_y.texts.tolist() == from_cells.texts.tolist()
    assert len(from_y.texts) == int(kept.sum())


def test_train_reads_the_first_targets_cells_once(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, CASES["text"])
    asked: list[list[int]] = []
    real = cli_keep._read_cells

    def spy(path: str, positions: list[int]) -> Any:
        asked.append(list(positions))
        return real(path, positions)

    monkeypatch.setattr(cli_keep, "_read_cells", spy)
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "a,b", "--hidden", "3",
                     "--epochs", "2", "--quiet", "-o", str(tmp_path / "m.safetensors")]) == 0
    assert asked == [[3]]  # b alone: a (column 2) is the reader's target
    meta = nonlin.load(tmp_path / "m.safetensors").metadata
    assert meta["target_classes"] == [["no", "yes"], [0, 1]]
