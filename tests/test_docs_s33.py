"""The command line's help agrees with docs/cli.md on session 33's options (docs33):
``plateau`` watches ``--monitor``'s quantity, ``mae`` is for a regressor of one target,
and ``evaluate`` of a multilabel classifier reports each label's ROC AUC and PR AUC."""

from __future__ import annotations

import pytest

from nonlin import cli


def _help(capsys: pytest.CaptureFixture[str], command: str) -> str:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())  # argparse's wrapping undone


def test_train_help_says_plateau_watches_the_monitor_and_mae_is_for_one_target(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "train")
    assert "plateau by FACTOR (0.1) after PATIENCE (10) epochs without a better " \
        "validation loss (or --monitor quantity)" in text
    assert "mae (regressors of one target)" in text


def test_evaluate_help_names_the_multilabel_ranking_scores(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "evaluate")
    assert "per label the ROC AUC and PR AUC with their micro, macro and weighted " \
        "averages" in text
