"""Review of tables34 (session 34): what the merge refused or lost that it should not have.

A currency code is an ISO 4217 code (``12 USD``), not any three capitals (``CAT 1``,
``ISO 9001``, ``JAN 2024`` are labels and text); a target of formatted numbers that, written
plainly, would be classes under ``--task auto`` (``10%``, ``20%``: few integers) is classes as
before; a ``""`` line of a one-column file is a missing value, as pandas' ``to_csv`` writes it
and ``read_csv`` reads it, not a blank line; a frame of MultiIndex columns fits as before; a
column of words is not sorted to look for formatted numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import one_cell_csv
from nonlin import cli, tabular
from nonlin._csv_strict import formatted

X = np.random.default_rng(0).normal(size=(8, 2))
Y = np.array([0, 1] * 4)


def _labelled(tmp_path: Path, cells: list[str]) -> Path:
    rows = "".join(f"{a:.3f},{b:.3f},{c}\n" for (a, b), c in zip(X, cells, strict=True))
    path = tmp_path / "labels.csv"
    path.write_text("a,b,y\n" + rows, encoding="utf-8")
    return path


def _train(path: Path, out: Path, *options: str) -> int:
    return cli.main(["train", str(path), "--target", "y", "--epochs", "1", "--quiet",
                     "-o", str(out), *options])


@pytest.mark.parametrize("cells", [["CAT 1", "CAT 2"], ["ISO 9001", "ISO 14001"],
                                   ["JAN 2024", "FEB 2024"], ["ROW 1", "ROW 2"]])
def test_three_capitals_before_a_number_are_labels(tmp_path: Path, cells: list[str]) -> None:
    out = tmp_path / "m.safetensors"
    assert _train(_labelled(tmp_path, cells * 4), out) == 0
    assert nonlin.load(out).metadata["classes"] == sorted(cells)


@pytest.mark.parametrize("cell", ["CAT 1", "JAN 2024", "ISO 9001", "2 PCS"])
def test_three_capitals_in_a_feature_cell_are_no_currency(tmp_path: Path, cell: str) -> None:
    assert not formatted(cell)
    table = tabular.read_csv(one_cell_csv(tmp_path, cell, X, Y), target="y", missing="drop")
    assert table.X.shape == (7, 2)  # text: missing, as before tables34


@pytest.mark.parametrize("cell", ["12 USD", "EUR 3.50", "JPY\u00a01,000", "(12 CHF)"])
def test_iso_currency_codes_are_still_formatted_numbers(cell: str) -> None:
    assert formatted(cell)


@pytest.mark.parametrize("cell", ["12\u202f%", "12,50\u202f€", "€\u200912", "12\u202fEUR"])
def test_french_narrow_spaces_set_off_signs_and_codes(tmp_path: Path, cell: str) -> None:
    assert formatted(cell)  # CLDR's French percent: a narrow no-break space before %
    with pytest.raises(tabular.CSVError, match=r"\(a formatted number: "):
        tabular.read_csv(one_cell_csv(tmp_path, f'"{cell}"', X, Y), target="y", missing="drop")


@pytest.mark.parametrize("cells", [["10%", "20%", "50%"], ["(1)", "(2)", "(3)"],
                                   ["$5", "$10", "$20"]])
def test_formatted_integers_of_few_values_are_classes_as_plain_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: list[str]
) -> None:
    path = _labelled(tmp_path, (cells * 3)[:8])  # 10, 20, 50 plainly: classes under auto
    out = tmp_path / "m.safetensors"
    assert _train(path, out) == 0
    assert nonlin.load(out).metadata["classes"] == sorted(cells)
    out.unlink()
    assert _train(path, out, "--task", "regression") == 2  # asked for numbers: unread
    assert "holds numbers written with formatting (line 2: " in capsys.readouterr().err
    assert not out.exists()


def test_formatted_numbers_of_many_values_are_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{i},{i % 3},{i * 7}%\n" for i in range(30))  # 30 percentages: 21 > 20
    path = tmp_path / "p.csv"
    path.write_text("a,b,y\n" + rows, encoding="utf-8")
    assert _train(path, tmp_path / "m.safetensors") == 2
    assert "holds numbers written with formatting (line 2: '0%')" in capsys.readouterr().err


def test_a_quoted_empty_line_of_one_column_is_a_missing_value(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    path = tmp_path / "one.csv"
    pd.DataFrame({"a": [1.0, None, 3.0]}).to_csv(path, index=False)  # a, 1.0, "", 3.0
    assert path.read_text().splitlines()[2] == '""'
    assert pd.read_csv(path)["a"].isna().tolist() == [False, True, False]
    with pytest.raises(tabular.CSVError, match=r"line 3, column 'a': expected a number, "
                       r"received '' \(a missing value"):
        tabular.read_csv(path)
    assert tabular.read_csv(path, missing="drop").n_dropped == 1
    assert tabular.read_csv(path, missing="mean").X.ravel().tolist() == [1.0, 2.0, 3.0]
    from nonlin.cli_keep import _read_cells

    assert _read_cells(str(path), [0]) == [["1.0"], [""], ["3.0"]]  # --keep: the same rows


def test_a_frame_of_multiindex_columns_fits_as_before() -> None:
    pd = pytest.importorskip("pandas")
    columns = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
    frame = pd.DataFrame(np.ones((4, 3)), columns=columns)
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.fit(frame, np.zeros(4), loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)
    assert model.predict(frame).shape == (4, 1)
    assert "feature_names_in_" not in vars(model)  # no str names, as scikit-learn
    twice = pd.DataFrame(np.ones((4, 2)), columns=pd.MultiIndex.from_tuples([("a", 1)] * 2))
    with pytest.raises(ValueError, match=r"Expected unique column names, got:\n- \('a', 1\) 2"):
        model.predict(twice)


def test_a_column_of_words_is_not_sorted_for_formatted_numbers(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from nonlin.cli_labels import refuse_formatted_numbers

    def unsorted(*args: object, **kwargs: object) -> None:
        raise AssertionError("np.unique called for a column of words")

    y = np.array(["red", "blue"] * 5000)
    monkeypatch.setattr(np, "unique", unsorted)
    refuse_formatted_numbers("d.csv", "y", y, "auto", 20)  # returns at 'red'


@pytest.mark.parametrize("cells", [["1.304,50", "2,5", "3"], ["12,5 EUR", "4"]])
def test_a_frame_of_decimal_commas_is_not_told_to_drop_its_commas(cells: list[str]) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": pd.Series(cells, dtype=object), "b": np.arange(len(cells))})
    model = nonlin.Sequential([nonlin.Dense(1)])
    with pytest.raises(TypeError, match=r"pd\.to_numeric\(df\['a'\]\.str\.replace\('\.', ''\)"
                       r"\.str\.replace\(',', '\.'\)\)") as refused:
        model.fit(frame, np.zeros(len(cells)), loss="mse", optimizer="sgd", epochs=1, seed=0,
                  verbose=0)  # removing the commas would read 1.304,50 as 1.3045
    assert "thousands='.', decimal=','" in str(refused.value)


@pytest.mark.parametrize("cells", [['"₹1,200"', "₹950.50", '"₹1,499.99"', "₹310.25"],
                                   ["₩12000", "₩8500.5", "₩9900.5", "₩10000.5"]])
def test_a_target_of_rupees_or_won_is_refused_as_dollars_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: list[str]
) -> None:
    assert _train(_labelled(tmp_path, cells * 2), tmp_path / "m.safetensors") == 2
    first = cells[0].strip('"')  # a price as the file quotes it
    assert f"holds numbers written with formatting (line 2: '{first}')" in (
        capsys.readouterr().err)


def test_a_line_of_spaces_is_blank_in_a_categorical_column_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{['red', 'blue', 'green'][i % 3]},{i % 2}\n" for i in range(30))
    (tmp_path / "t.csv").write_text("c,y\n" + rows, encoding="utf-8")
    model = tmp_path / "m.safetensors"
    assert cli.main(["train", str(tmp_path / "t.csv"), "--target", "y", "--categorical", "c",
                     "--epochs", "1", "--quiet", "-o", str(model)]) == 0
    data = tmp_path / "p.csv"
    data.write_text("c\nred\n   \nblue\n", encoding="utf-8")  # pandas: two rows
    for missing in ("error", "drop", "mean"):
        capsys.readouterr()
        assert cli.main(["predict", str(model), str(data), "--missing", missing]) == 0
        captured = capsys.readouterr()
        assert len(captured.out.splitlines()) == 3, missing  # the header and two rows
        assert "dropped" not in captured.err and "filled" not in captured.err
