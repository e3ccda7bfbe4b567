"""``nonlin train --missing mean``: missing cells get the training rows' means, not the file's.

The rows are shuffled by ``--seed`` and the last ``--val-split`` share is held out;
the means that fill the missing cells (and are stored in the model as the scaling's
mean, for ``predict`` and ``evaluate --missing mean``) come from the training rows only,
as scikit-learn's ``SimpleImputer`` fitted on the training split: the validation rows
lend nothing. The tests run in this process (fast) and work out the split themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli
from nonlin.cli_common import UsageError
from nonlin.cli_table import read_table
from nonlin.cli_train_data import Prepared, prepare

N_ROWS, SEED, VAL_SPLIT = 50, 4, 0.2


def _split() -> tuple[np.ndarray, np.ndarray]:
    """File rows (0-based) of the training and validation split, as ``nonlin train`` makes it."""
    order = np.arange(N_ROWS)
    np.random.default_rng(SEED).shuffle(order)
    n_val = round(N_ROWS * VAL_SPLIT)
    return order[: N_ROWS - n_val], order[N_ROWS - n_val :]


def _write_data(path: Path) -> np.ndarray:
    """a, b, y; column b is about 5 in the training rows and about 1000 in the validation
    rows, with missing cells in both. Returns b as written (NaN where missing)."""
    rng = np.random.default_rng(0)
    train, val = _split()
    b = np.empty(N_ROWS)
    b[train] = rng.integers(1, 10, train.size)
    b[val] = rng.integers(1000, 1010, val.size)
    b[train[::4]] = np.nan
    b[val[::3]] = np.nan
    lines = ["a,b,y"] + [
        f"{i},{'' if np.isnan(v) else int(v)},{i % 2}" for i, v in enumerate(b.tolist())
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return b


def _argv(path: Path) -> list[str]:
    return ["train", str(path), "--target", "y", "--missing", "mean", "--val-split",
            str(VAL_SPLIT), "--seed", str(SEED), "--epochs", "1", "--hidden", "4", "--quiet"]


def _prepare(path: Path, previous: dict | None = None) -> Prepared:
    table = read_table(str(path), target="y", columns=None, missing="mean", impute=False)
    return prepare(cli.build_parser().parse_args(_argv(path)), table, previous)


def test_stored_means_are_the_training_rows_means(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = _write_data(tmp_path / "d.csv")
    train, _ = _split()
    out = tmp_path / "m.safetensors"
    status = cli.main([*_argv(tmp_path / "d.csv"), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    mean = nonlin.load(out).metadata["preprocessing"]["mean"]
    training_a = np.arange(N_ROWS)[train].mean()
    np.testing.assert_allclose(mean, [training_a, np.nanmean(b[train])], rtol=1e-6)
    assert mean[1] < 10  # the file's own mean of b, validation rows included, is over 100


def test_validation_cells_get_the_training_means(tmp_path: Path) -> None:
    b = _write_data(tmp_path / "d.csv")
    train, val = _split()
    prepared = _prepare(tmp_path / "d.csv")
    n_train = train.size
    assert prepared.n_val == val.size
    # Standardized with the training mean, a cell filled with it is (about) 0.
    filled = np.isnan(b[val])
    assert filled.any() and not np.isnan(prepared.X).any()
    np.testing.assert_allclose(prepared.X[n_train:, 1][filled], 0.0, atol=1e-5)
    assert (prepared.X[n_train:, 1][~filled] > 100).all()  # the rest kept their own values


def test_a_resumed_run_fills_with_the_same_means(tmp_path: Path) -> None:
    _write_data(tmp_path / "d.csv")
    fresh = _prepare(tmp_path / "d.csv")
    resumed = _prepare(tmp_path / "d.csv", previous=fresh.meta)
    assert resumed.X.tobytes() == fresh.X.tobytes()
    assert resumed.meta["preprocessing"] == fresh.meta["preprocessing"]


def test_a_column_missing_in_every_training_row_is_a_user_error(tmp_path: Path) -> None:
    train, val = _split()
    cells = np.full(N_ROWS, "")
    cells[val] = "7"  # b has values in the validation rows only
    lines = ["a,b,y"] + [f"{i},{cells[i]},{i % 2}" for i in range(N_ROWS)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"d\.csv, column 'b'.*training row.*--missing mean"):
        _prepare(tmp_path / "d.csv")


@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_the_missing_help_says_any_text_counts(command, capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "not a finite number (empty, nan, inf, or any other text such as ? or NA; in a " \
        "categorical column, an empty cell alone)" in text  # NA is a category there
