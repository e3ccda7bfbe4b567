"""Session-19 leftovers of the hostile model-file review: one-hot inputs with a stored
mean and scale other than 0 and 1, a resumed training record holding text or a bool where
a number belongs, and ``--l2`` values whose penalty overflows at the initial weights."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import test_hostile_s18 as s18
from cli_helpers import error_line
from nonlin import cli

files = s18.files  # the session-18 model file and checkpoint, trained with every option


def _scaled(at: int, mean: float, scale: float) -> Callable[[dict[str, Any]], None]:
    """Set the stored mean and scale of the input ``at`` (1..3: the one-hot inputs of
    ``colour``, between ``a`` and ``b``)."""
    def change(meta: dict[str, Any]) -> None:
        meta["preprocessing"]["mean"][at] = mean
        meta["preprocessing"]["scale"][at] = scale
    return change


@pytest.mark.parametrize(("at", "mean", "scale", "received"), [
    (1, 0.5, 1.0, "'colour=blue' of the categorical column 'colour' (its inputs go in as 0 "
     "and 1, not standardized), received mean 0.5 and scale 1.0"),
    (3, 0.0, 2.0, "'colour=red'"),
    (2, 0.0, -1.0, "received mean 0.0 and scale -1.0"),
])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_one_hot_inputs_with_a_stored_scaling_are_refused(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
    at: int, mean: float, scale: float, received: str,
) -> None:
    # before: the stored mean and scale were applied to the 0/1 inputs as written
    bad = s18._edit(files / "m.st", tmp_path / "bad.st", _scaled(at, mean, scale))
    capsys.readouterr()
    assert cli.main([command, str(bad), str(files / "d.csv")]) == 2
    error_line(capsys, "Cannot load model file", "(metadata['preprocessing'])",
               "expected mean 0 and scale 1 for the one-hot input", received)


def test_a_resume_refuses_one_hot_inputs_with_a_stored_scaling(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert s18._resume(files, tmp_path, _scaled(2, 0.25, 1.0)) == 2
    error_line(capsys, "bad.checkpoint.st", "(metadata['preprocessing'])", "'colour=green'",
               "received mean 0.25")
    assert not (tmp_path / "out.st").exists()


def test_the_written_files_keep_their_one_hot_inputs_unscaled(files: Path) -> None:
    # the writer (keep_one_hot) stores 0 and 1 for them: the genuine files load and run
    for command in ("predict", "evaluate"):
        assert cli.main([command, str(files / "m.st"), str(files / "d.csv")]) == 0


@pytest.mark.parametrize(("change", "field", "received"), [
    (s18._record(l2="0.01"), "['l2']", "expected a number (as nonlin records it), received "
     "'0.01'"),
    (s18._record(l2=True), "['l2']", "expected a number >= 0, received 'True'"),  # guard
    (s18._record(lr="0.001"), "['lr']", "received '0.001'"),
    (s18._record(batch_size="32"), "['batch_size']", "received '32'"),
    (s18._record(hidden="4"), "['hidden']", "expected a list of numbers"),
    (s18._record(hidden=["4"]), "['hidden']", "received ['4']"),
])
def test_a_resume_refuses_text_or_a_bool_where_the_record_holds_a_number(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], Any], field: str, received: str,
) -> None:
    # before: "0.01" parsed as the option does, and the text was copied into the resumed
    # model file's record ("l2": "0.01"); a bool was refused as the text 'True'
    capsys.readouterr()
    assert s18._resume(files, tmp_path, change) == 2
    error_line(capsys, "Cannot load model file", "bad.checkpoint.st",
               f"(metadata['training']{field})", received)
    assert not (tmp_path / "out.st").exists()


@pytest.mark.parametrize(("alpha", "shown", "what"), [
    ("1e308", "--l2 1e+308", "penalty"),
    ("1e38", "--l2 1e+38", "penalty"),
])
def test_an_l2_whose_penalty_overflows_is_named_not_the_data(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    alpha: str, shown: str, what: str,
) -> None:
    # before: "training diverged (The loss became inf ... before any update ...); check
    # the data for extreme values" (1e308), or "try a smaller --lr" (1e38)
    capsys.readouterr()
    assert cli.main(["train", str(files / "d.csv"), "--target", "y", "--categorical",
                     "colour", "--hidden", "4", "--epochs", "1", "--quiet", "--l2", alpha,
                     "--out", str(tmp_path / "m.st")]) == 2
    line = error_line(capsys, f"{shown}: the L2 {what} at the weights training starts from "
                      "overflows float32", "expected a much smaller ALPHA")
    assert "data" not in line
    assert not (tmp_path / "m.st").exists()


def test_a_divergence_under_l2_names_l2_beside_the_rate(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the penalty fits float32 at the start, but Adam's squared gradients do not: before,
    # the advice named --lr alone
    capsys.readouterr()
    assert cli.main(["train", str(files / "d.csv"), "--target", "y", "--categorical",
                     "colour", "--hidden", "4", "--epochs", "1", "--quiet", "--l2", "1e30",
                     "--out", str(tmp_path / "m.st")]) == 2
    error_line(capsys, "training diverged", "try a smaller --lr (now 0.001) or a smaller "
               "--l2 (now 1e+30)")


def test_fit_names_the_l2_penalty_that_overflows_at_the_start() -> None:
    # before: "... the data (X or y), or the weights fit started from, overflow ... Scale the
    # features and targets": Keras' L2 takes any finite l2 >= 0, so Dense does, and fit says
    import numpy as np

    import nonlin

    X = np.random.default_rng(0).normal(size=(16, 3))
    model = nonlin.Sequential([nonlin.Dense(4, l2=1e308), nonlin.ReLU(), nonlin.Dense(1)])
    with pytest.raises(nonlin.DivergenceError, match=r"before any update of this fit: the L2 "
                       r"penalty l2 \* sum\(W\*\*2\) of the weights fit started from overflows "
                       r"\(l2=1e\+308; the data's loss is .*\)\. Use a smaller l2"):
        model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
