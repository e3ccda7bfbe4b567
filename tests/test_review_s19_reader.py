"""Review of s19's categorical reader pass (review19): which cell of a row a message names.

The strict parser coded a row's categorical cells before it read its numbers, and in the
order of ``--categorical`` (of the model's entries) rather than the columns': a row with a
missing number in ``a`` and an unknown category further right was refused naming the
category. Each row's cells are now read in column order, by the fast path's coding too, as
the csv-module reference of ``test_cli_categorical_reader`` reads them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import test_cli_categorical_reader as reference
from nonlin import tabular
from nonlin.cli_categorical import read_training_table
from nonlin.cli_common import UsageError
from nonlin.tabular import CSVError

HEADER = reference.HEADER  # id,a,colour,zip,y


@pytest.mark.parametrize("block", [40, 3 << 17])
def test_a_missing_number_left_of_an_unknown_category_is_named_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # before: "line 3, column 'zip': category 'teal' was not seen in training"
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block)
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, "1,0.5,red,7,yes", "2,,blue,teal,no", ""]))
    with pytest.raises((CSVError, UsageError), match=r"d\.csv, line 3, column 'a': expected a "
                       r"number, received ''"):
        reference._model_table(path, "error", "error")


@pytest.mark.parametrize("block", [40, 3 << 17])
def test_unknown_categories_of_one_row_are_named_left_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block)
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, "1,0.5,red,7,yes", "2,1,pink,teal,no", ""]))
    with pytest.raises(UsageError, match=r"line 3, column 'colour': category 'pink'"):
        reference._model_table(path, "error", "error")


@pytest.mark.parametrize("block", [200, 3 << 17])
def test_train_names_the_first_cell_of_a_row_in_column_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # --categorical zip,colour: zip's 1001st category and a missing colour on one row;
    # before: "more than 1000 categories" (zip coded first), though colour comes first
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block)
    lines = [f"{i},1,red,z{i},{'yes' if i % 2 else 'no'}" for i in range(1000)]
    lines.append("1000,1,,z1000,no")
    (tmp_path / "many.csv").write_text("\n".join([HEADER, *lines, ""]))
    args = argparse.Namespace(data=str(tmp_path / "many.csv"), target="y", columns=None,
                              exclude=["id"], missing="error", categorical=["zip", "colour"],
                              weight=None)
    with pytest.raises(CSVError, match=r"many\.csv, line 1002, column 'colour': expected a "
                       r"category, received ''"):
        read_training_table(args)
