"""Review of s19's CSV-quoted names in the command line's lists (review19).

Names in a list are matched ignoring the spaces around them (``--columns 'a, b'``), so a
user writes ``'city, "zip, code"'``; that list was split inside the quotes, as if the
quote were a plain character, into ``city``, `` "zip`` and `` code"``, and the command
stopped on ``no column ' "zip'``. Spaces before an opening quote are now skipped.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin._cli_lists import list_item, split_items
from nonlin.cli_common import name_list
from nonlin.cli_weights import _pairs


@pytest.mark.parametrize(("text", "names"), [
    ('city, "zip, code"', ["city", "zip, code"]),
    ('city,\t"zip, code"', ["city", "zip, code"]),
    ('  "zip, code",city', ["zip, code", "city"]),
    ('a, "say ""hi"""', ["a", 'say "hi"']),
])
def test_spaces_before_an_opening_quote_are_skipped(text: str, names: list[str]) -> None:
    # before: ['city', ' "zip', ' code"']
    assert name_list(text) == names


def test_class_weight_labels_after_spaces_are_quoted_labels() -> None:
    # before: "expected 'balanced' or LABEL=WEIGHT pairs" (the item ' "a' had no '=')
    assert _pairs('no=1, "a,b"=2') == [("no", 1.0), ("a,b", 2.0)]


@pytest.mark.parametrize("text", ["a,b", " a , b ", 'a"b,c', "a b,c"])
def test_lists_without_a_leading_quote_read_as_before(text: str) -> None:
    assert name_list(text) == text.split(",")


@pytest.mark.parametrize("text", ['"zip" ,city', ' "zip', 'a, "b" c'])
def test_misplaced_quotes_are_still_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a c"):
        name_list(text)


@pytest.mark.parametrize("name", [' "x', '\t"x"', "a", " a", 'a"b', "zip, code"])
def test_list_item_round_trips_through_split_items(name: str) -> None:
    # list_item writes the one-hot advice's --categorical NAME; ' "x' read back whole
    assert [item for item, _ in split_items(list_item(name))] == [name]


def test_the_command_line_reads_a_quoted_name_after_a_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{i % 3},{('red', 'blue')[i % 2]},{'yes' if i % 3 else 'no'}" for i in range(12)]
    (tmp_path / "d.csv").write_text('a,"zip, code",y\n' + "\n".join(rows) + "\n")
    out = str(tmp_path / "m.st")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--categorical",
                     'a, "zip, code"', "--epochs", "1", "--quiet", "--out", out]) == 0
    capsys.readouterr()
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--columns",
                     'a, "zip, cod"', "--epochs", "1", "--quiet", "--out", out]) == 2
    error_line(capsys, "no column 'zip, cod' (--columns)")
